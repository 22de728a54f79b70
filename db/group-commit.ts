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
 * Group commit for append-only rows written on every request (the audit events of reads): rows appended while
 * a commit is under way wait for the next one, so N concurrent requests cost one INSERT and one commit
 * instead of N, and on SQLite one turn of the writer instead of N. Each `append` resolves once its row is
 * committed, so a response that depends on its audit event is sent only after the event is durable.
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  private flushing: Promise<void> | null = null;

  /** `detached` runs the flush outside whatever unit of work the first append came from. */
  constructor(
    private readonly db: Database,
    private readonly model: ModelStatic<Model>,
    private readonly detached: (work: () => void) => void,
  ) {}

  append(values: Record<string, unknown>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ values, resolve, reject });
      if (!this.flushing) this.detached(() => { this.flushing = this.flush(); });
    });
  }

  /** Resolves when every row appended so far is committed (or has failed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // let the requests of this turn join the batch
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      try {
        await appendRows(this.db, this.model, batch.map((w) => w.values));
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.flushing = null;
  }
}
