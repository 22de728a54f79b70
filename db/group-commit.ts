import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Model, ModelStatic } from 'sequelize';
import type { Database } from './connection.js';
import { appendRows } from './insert.js';

interface Waiting {
  values: Record<string, unknown>;
  resolve(): void;
  reject(error: unknown): void;
}

/** Rows per INSERT: far below SQLite's 32,766 bound parameters and MySQL's packet limit for audit-sized rows. */
const MAX_BATCH = 500;

/**
 * Group commit for append-only rows written on every request (the audit events of reads): the rows appended
 * while a commit is under way wait for the next one, so N concurrent requests cost one INSERT and one commit
 * instead of N, and on SQLite one turn of the writer instead of N. Each `append` resolves once its row is
 * committed, so a response that depends on its audit event is sent only after the event is durable.
 *
 * One unit of work at most waits in the writer queue for these rows, and it takes them when its turn comes, not
 * when it was queued: a row appended while the writer is busy with other writes (a stream of creates, a seed)
 * commits with the next unit that runs, instead of waiting for it and then for one more turn behind the writes
 * queued meanwhile (docs/performance.md "Reads beside writes").
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  /** A flush queued whose unit of work has not started yet: it will take every row waiting when it does. */
  private queued = false;
  private readonly flushing = new Set<Promise<void>>();

  /** `detached` runs the flush outside whatever unit of work the first append came from. */
  constructor(
    private readonly db: Database,
    private readonly model: ModelStatic<Model>,
    private readonly detached: (work: () => void) => void,
  ) {}

  append(values: Record<string, unknown>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ values, resolve, reject });
      if (!this.queued) this.detached(() => this.startFlush());
    });
  }

  /** Resolves when every row appended so far is committed (or has failed). */
  async drain(): Promise<void> {
    while (this.flushing.size) await Promise.all(this.flushing);
  }

  private startFlush(): void {
    this.queued = true;
    const flushing = this.flush().finally(() => this.flushing.delete(flushing));
    this.flushing.add(flushing);
  }

  private async flush(): Promise<void> {
    await nextTurn(); // let the requests of this turn join the batch
    // The same rows again if the transaction is retried (a deadlock on MySQL): taken once, on its first start.
    let batch: Waiting[] | undefined;
    try {
      await this.db.transaction(async (tx) => {
        if (!batch) {
          batch = this.waiting.splice(0, MAX_BATCH);
          this.queued = false;
          if (this.waiting.length) this.detached(() => this.startFlush()); // more than one INSERT's worth: the rest in the next unit
        }
        if (batch.length) await appendRows(this.db, this.model, batch.map((w) => w.values), tx);
      }, { appendOnly: true });
      for (const w of batch ?? []) w.resolve();
    } catch (error) {
      for (const w of batch ?? []) w.reject(error);
      if (!batch) {
        // Refused before its turn came (the database closed): the rows it would have taken fail with it.
        this.queued = false;
        for (const w of this.waiting.splice(0)) w.reject(error);
      }
    }
  }
}
