// The R4 validator's own thread (see r4-validation-thread.ts): it loads the definitions once and answers
// one resource at a time, so the main thread's event loop never waits for a validation.
import v8 from 'node:v8';
import vm from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { loadR4Definitions, validateR4 } from './r4-validator.js';

/**
 * Loading the definitions parses about 60 MB of JSON and keeps 30 MB of it indexed; the rest is garbage that an
 * idle thread never collects (V8 collects when it allocates, and a thread that waits for messages does not), so
 * the process held about 50 MB more than it used for as long as it ran. One full collection after the load
 * returns it. `gc` is exposed to a fresh context only, as Jest does to measure heaps.
 */
function collectLoadGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

loadR4Definitions();
collectLoadGarbage();
parentPort?.on('message', ({ id, json }: { id: number; json: string }) => {
  parentPort?.postMessage({ id, result: validateR4(JSON.parse(json)) });
});
