import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Bundles the browser app into dist/client, which the server serves. */
const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'dist', 'client');
fs.mkdirSync(out, { recursive: true });
await build({
  entryPoints: [path.join(here, 'app.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  minify: true,
  outdir: out,
  logLevel: 'warning',
});
for (const file of ['index.html', 'styles.css']) fs.copyFileSync(path.join(here, file), path.join(out, file));
console.log(`client built in ${path.relative(process.cwd(), out)}`);
