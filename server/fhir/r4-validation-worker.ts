// The R4 validator's own thread (see r4-validation-thread.ts): it loads the definitions once and answers
// one resource at a time, so the main thread's event loop never waits for a validation.
import v8 from 'node:v8';
import vm from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { loadR4Definitions, validateR4 } from './r4-validator.js';

/**
 * Loading the definitions parses about 60 MB of JSON and keeps 8 MB of it; the rest is garbage that an idle thread
 * never collects (V8 collects when it allocates, and a thread that waits for messages does not), so the process
 * held about 50 MB more than it used for as long as it ran. Full collections after the load return it: the first
 * frees the garbage, the next compacts what survived onto fewer pages (measured: old space 35 MB after one,
 * 15 MB after two). `gc` is exposed to a fresh context only, as Jest does to measure heaps.
 */
function collectLoadGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  for (let size = Infinity; v8.getHeapStatistics().total_heap_size < size;) {
    size = v8.getHeapStatistics().total_heap_size;
    gc();
  }
}

loadR4Definitions();
collectLoadGarbage();
parentPort?.on('message', ({ id, json }: { id: number; json: string }) => {
  parentPort?.postMessage({ id, result: validateR4(JSON.parse(json)) });
});
