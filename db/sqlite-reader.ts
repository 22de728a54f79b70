import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { answer, NodeSqliteShape, type DriverCallback, type StatementOutcome } from './sqlite-statements.js';
import { startModuleWorker } from './worker-thread.js';

const here = fileURLToPath(import.meta.url);
const workerFile = path.join(path.dirname(here), `sqlite-reader-worker${path.extname(here)}`);

type Answer = { id: number; outcome: StatementOutcome; blobs: boolean } | { id: number; error: { message: string; code?: string } };

/**
 * Sequelize's own SQLite connection, for the statements outside a transaction (reads, and DDL while migrating),
 * behind node-sqlite3's API: each statement runs on a thread of its own through better-sqlite3 (the one SQLite
 * library of this process, db/sqlite-statements.ts), so a long search never holds the event loop (issue 11).
 * Statements run one at a time, in the order given, as on node-sqlite3's single connection before. The thread
 * waits up to `busyTimeoutMs` inside SQLite for another connection's lock: it holds no one else's work.
 * The writer's WAL checkpoints run on one more connection of this kind (db/sqlite-checkpoints.ts).
 */
export class SqliteReader extends NodeSqliteShape {
  private starting?: Promise<Worker>;
  private readonly pending = new Map<number, DriverCallback | undefined>();
  private nextId = 0;

  constructor(file: string, private readonly busyTimeoutMs: number) {
    super(file);
  }

  /** Resolves once the thread has started and opened the file (rejects if it cannot be opened). */
  async ready(): Promise<void> {
    await this.started();
  }

  close(callback?: (err: Error | null) => void): void {
    const starting = this.starting;
    this.starting = undefined;
    if (!starting) {
      if (callback) process.nextTick(callback, null);
      return;
    }
    // Statements already sent are answered first: the thread takes its messages in order.
    starting.then((thread) => {
      thread.ref();
      thread.once('exit', () => callback?.(null));
      thread.postMessage('close');
    }, () => callback?.(null));
  }

  protected execute(sql: string, params: unknown, callback: DriverCallback | undefined, wantsRows: boolean): void {
    const id = this.nextId++;
    this.pending.set(id, callback);
    this.started().then((thread) => {
      thread.ref(); // an idle thread does not keep the process alive; one with a statement to answer does
      thread.postMessage({ id, sql, params, wantsRows });
    }, (error: Error) => this.settle(id, error));
  }

  /** The thread, started on first use and again after it stopped. */
  private started(): Promise<Worker> {
    if (this.starting) return this.starting;
    const starting = new Promise<Worker>((resolve, reject) => {
      const thread = startModuleWorker(workerFile, { workerData: { file: this.filename, busyTimeoutMs: this.busyTimeoutMs } });
      const stopped = (error: Error) => {
        reject(error);
        if (this.starting !== undefined && this.starting !== starting) return; // a newer thread has the statements now
        this.starting = undefined;
        for (const id of [...this.pending.keys()]) this.settle(id, error);
      };
      thread.on('message', (message: Answer | { ready: boolean; error?: { message: string; code?: string } }) => {
        if ('ready' in message) {
          if (!message.ready) return stopped(errorOf(message.error!));
          thread.unref();
          resolve(thread);
          return;
        }
        if ('error' in message) this.settle(message.id, errorOf(message.error));
        else this.settle(message.id, null, message.blobs ? { ...message.outcome, rows: message.outcome.rows.map(withBuffers) } : message.outcome);
        if (!this.pending.size) thread.unref();
      });
      thread.on('error', stopped);
      thread.on('exit', (code) => stopped(new Error(`the SQLite reading thread stopped (exit code ${code})`)));
    });
    this.starting = starting;
    return starting;
  }

  /** Answers statement `id`'s callback, once. */
  private settle(id: number, err: Error | null, outcome?: StatementOutcome): void {
    if (!this.pending.has(id)) return;
    const callback = this.pending.get(id);
    this.pending.delete(id);
    answer(callback, err, outcome);
  }
}

function errorOf({ message, code }: { message: string; code?: string }): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

/** A row's BLOB values as Buffers, as node-sqlite3 gave them (the copy between threads makes them Uint8Arrays). */
function withBuffers(row: unknown): unknown {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row as Record<string, unknown>)) {
    copy[key] = value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
  }
  return copy;
}
