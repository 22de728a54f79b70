// The R4 validator's own thread (see r4-validation-thread.ts): it loads the definitions once and answers
// one resource at a time, so the main thread's event loop never waits for a validation.
import { parentPort } from 'node:worker_threads';
import { loadR4Definitions, validateR4 } from './r4-validator.js';

loadR4Definitions();
parentPort?.on('message', ({ id, json }: { id: number; json: string }) => {
  parentPort?.postMessage({ id, result: validateR4(JSON.parse(json)) });
});
