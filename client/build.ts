import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_CLIENT_OUT = path.join(here, '..', 'dist', 'client');

/** Bundles the browser app (the home page and the video visit page) into `out`, which the server serves. */
export async function buildClient(out = DEFAULT_CLIENT_OUT): Promise<void> {
  fs.mkdirSync(out, { recursive: true });
  await build({
    entryPoints: { app: path.join(here, 'app.ts'), visit: path.join(here, 'video', 'visit-page.ts') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    minify: true,
    outdir: out,
    // simple-peer's prebuilt browser bundle carries its own Buffer/events/stream: no Node polyfills needed.
    alias: { 'simple-peer': 'simple-peer/simplepeer.min.js' },
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'visit.html', 'styles.css']) fs.copyFileSync(path.join(here, file), path.join(out, file));
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await buildClient();
  console.log(`client built in ${path.relative(process.cwd(), DEFAULT_CLIENT_OUT)}`);
}
