// The SQLite reading thread (see sqlite-reader.ts): one connection, statements answered one at a time, in order.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStatements } from './sqlite-statements.js';

const { file, busyTimeoutMs } = workerData as { file: string; busyTimeoutMs: number };

interface Request { id: number; sql: string; params: unknown; wantsRows: boolean }

let connection: SqliteStatements;
try {
  connection = new SqliteStatements(file, { busyTimeoutMs });
  parentPort!.postMessage({ ready: true });
} catch (error) {
  parentPort!.postMessage({ ready: false, error: problemOf(error) });
  process.exit(1);
}

parentPort!.on('message', (request: Request | 'close') => {
  if (request === 'close') {
    connection.close();
    parentPort!.close();
    return;
  }
  try {
    const outcome = connection.execute(request.sql, request.params, request.wantsRows);
    parentPort!.postMessage({ id: request.id, outcome, blobs: outcome.rows.some(hasBlob) });
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: problemOf(error) });
  }
});

/** An error as it crosses to the main thread: its message and SQLite code (a copied Error keeps no `code`). */
function problemOf(error: unknown): { message: string; code?: string } {
  return { message: (error as Error).message, code: (error as { code?: string }).code };
}

/** A BLOB column arrives as a Uint8Array after the copy to the main thread; the flag tells it to make Buffers again. */
function hasBlob(row: unknown): boolean {
  for (const value of Object.values(row as Record<string, unknown>)) if (Buffer.isBuffer(value)) return true;
  return false;
}
