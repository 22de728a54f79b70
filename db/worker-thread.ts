import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module `file`. Node runs the build (.js) directly; the sources (.ts, under tsx in
 * tests and benches) need tsx's loader in the worker too.
 */
export function startModuleWorker(file: string, options: Pick<WorkerOptions, 'workerData' | 'resourceLimits'> = {}): Worker {
  if (!file.endsWith('.ts')) return new Worker(file, options);
  const url = JSON.stringify(pathToFileURL(file).href);
  const tsx = JSON.stringify(tsxEsmApi());
  return new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${url}); });`, { ...options, eval: true });
}

/**
 * The URL of tsx's ESM API (`tsx/esm/api`), found here, where the sources are (eval'd code resolves from the cwd),
 * through tsx's exports map: a module tsx loaded as CommonJS (a test file's imports, under mocha) has no
 * `import.meta.resolve`, and `require.resolve` gives the CommonJS entry, which fails in an eval'd worker.
 */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const entry = (require(manifest) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'].import.default;
  return pathToFileURL(path.join(path.dirname(manifest), entry)).href;
}
