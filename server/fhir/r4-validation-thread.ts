import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../db/worker-thread.js';
import type { R4Result } from './r4-validator.js';

/**
 * Validates incoming resources on one worker thread. The R4 validator costs about 5 µs per element, so a
 * 1 MB resource takes about half a second: on the main thread that would hold every other request,
 * `/healthz` included, for as long (docs/performance.md). The worker is started on first use, keeps the
 * process alive only while it has work, and is started again if it dies; resources queue on it in order.
 */
const here = fileURLToPath(import.meta.url);
const workerFile = path.join(path.dirname(here), `r4-validation-worker${path.extname(here)}`);
/**
 * A young generation of 2 MB at most: parsing the definitions grew the default one to its largest (32 MB), and the
 * thread kept those pages for as long as it ran (about 24 MB of RSS). Validating the Synthea records took as long
 * either way (docs/performance.md "Memory").
 */
const VALIDATION_THREAD_LIMITS = { maxYoungGenerationSizeMb: 2 };

interface Pending {
  resolve(result: R4Result): void;
  reject(error: Error): void;
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

function failAll(error: Error): void {
  worker = undefined;
  for (const waiting of pending.values()) waiting.reject(error);
  pending.clear();
}

function validationWorker(): Worker {
  if (worker) return worker;
  const started = startModuleWorker(workerFile, { resourceLimits: VALIDATION_THREAD_LIMITS });
  started.on('message', ({ id, result }: { id: number; result: R4Result }) => {
    pending.get(id)?.resolve(result);
    pending.delete(id);
    if (!pending.size) started.unref();
  });
  started.on('error', (error) => failAll(error));
  started.on('exit', (code) => failAll(new Error(`the R4 validation thread stopped (exit code ${code})`)));
  worker = started;
  return started;
}

/** validateR4 on the validation thread; the resource must be within FHIR_MAX_DEPTH (it is copied there). */
export function validateR4OffThread(resource: unknown): Promise<R4Result> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    const thread = validationWorker();
    thread.ref(); // an idle thread does not keep the process alive; one with work to answer does
    // As JSON text: copying a string is cheaper for the main thread than structured-cloning the object tree.
    thread.postMessage({ id, json: JSON.stringify(resource) });
  });
}

/**
 * Starts the validation thread and has it load the R4 definitions (1.5–3 s) now, so that the first resource a
 * client posts after a start does not wait for that.
 */
export function warmUpValidation(): Promise<void> {
  return validateR4OffThread({ resourceType: 'Basic', code: { text: 'warm-up' } }).then(() => undefined);
}
