import BetterSqlite3 from 'better-sqlite3';

/**
 * The connection that runs this process's SQLite transactions, through better-sqlite3, behind the part of
 * node-sqlite3's API that Sequelize's SQLite dialect uses (`serialize`, `all`, `run`, `close`).
 *
 * Why: a write transaction holds SQLite's single writer for all of its statements, and every other write waits
 * behind it. Through node-sqlite3 each statement is a round trip to libuv's thread pool, and a create's dozen
 * statements kept the writer about 14 ms, which capped creates near 70 a second whatever the CPU did. Here a
 * statement runs in the calling thread in microseconds (a row insert by key), so the writer is held for the
 * JavaScript between statements and little else. Reads outside a transaction stay on node-sqlite3, off the
 * event loop, where a long search belongs (WAL lets them read beside the writer).
 *
 * Never waiting inside SQLite: the connection's busy timeout is 0, and a statement refused with SQLITE_BUSY
 * (another process holds the write lock, e.g. `npm run migrate`) is tried again from a timer, for at most
 * `busyTimeoutMs`, so the event loop never blocks on a lock (issue 11).
 */
export class SqliteWriter {
  readonly filename: string;
  uuid?: string;
  private readonly db: BetterSqlite3.Database;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(file: string, private readonly busyTimeoutMs: number) {
    this.filename = file;
    this.db = new BetterSqlite3(file, { timeout: 0 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // SQLite's own checkpoint after a commit that leaves the WAL past 1,000 pages (4 MB), as before; a WAL that a
    // large transaction (a seed, an import) grew is cut back to 64 MB when it starts over.
    this.db.pragma('journal_size_limit = 67108864');
    this.db.pragma('temp_store = MEMORY');
  }

  /** node-sqlite3 queues statements in serialize mode; here every statement already runs in order. */
  serialize(work?: () => void): void {
    work?.();
  }

  all(sql: string, params?: unknown, callback?: Callback): this {
    if (typeof params === 'function') this.execute(sql, undefined, params as Callback, true);
    else this.execute(sql, params, callback, true);
    return this;
  }

  run(sql: string, params?: unknown, callback?: Callback): this {
    if (typeof params === 'function') this.execute(sql, undefined, params as Callback, false);
    else this.execute(sql, params, callback, false);
    return this;
  }

  close(callback?: (err: Error | null) => void): void {
    try {
      if (this.db.open) this.db.close();
      if (callback) process.nextTick(callback, null);
    } catch (error) {
      if (callback) process.nextTick(callback, error as Error);
    }
  }

  private execute(sql: string, params: unknown, callback: Callback | undefined, wantsRows: boolean): void {
    const started = Date.now();
    this.attempt(() => {
      const bound = bindable(params);
      let statement: BetterSqlite3.Statement;
      try {
        statement = this.prepared(sql, bound !== undefined);
      } catch (error) {
        // Several statements in one string (a migration's script) cannot be prepared; they run as a script.
        if ((error as Error).message.includes('more than one statement') && bound === undefined) {
          this.db.exec(sql);
          return { rows: [], result: new Statement(0, 0) };
        }
        throw error;
      }
      if (wantsRows && statement.reader) {
        return { rows: bound === undefined ? statement.all() : statement.all(bound), result: new Statement(0, 0) };
      }
      const info = bound === undefined ? statement.run() : statement.run(bound);
      return { rows: [], result: new Statement(Number(info.lastInsertRowid), info.changes) };
    }, (err, outcome) => callback?.call(outcome?.result ?? new Statement(0, 0), err, outcome?.rows ?? []), started);
  }

  /**
   * The statement for `sql`; one with bound values is kept for the next time (the same INSERT of a resource's
   * rows repeats with every write), the least recently prepared making room when PREPARED_KEPT are kept.
   */
  private prepared(sql: string, reusable: boolean): BetterSqlite3.Statement {
    const kept = this.statements.get(sql);
    if (kept) return kept;
    const statement = this.db.prepare(sql);
    if (reusable) {
      if (this.statements.size >= PREPARED_KEPT) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `work` now; SQLITE_BUSY tries it again from a timer until `busyTimeoutMs` has passed since `started`. */
  private attempt(work: () => Outcome, done: (err: Error | null, outcome?: Outcome) => void, started: number): void {
    let outcome: Outcome;
    try {
      outcome = work();
    } catch (error) {
      const failure = asNodeSqliteError(error);
      if (failure.code === 'SQLITE_BUSY' && Date.now() - started < this.busyTimeoutMs) {
        setTimeout(() => this.attempt(work, done, started), 5 + Math.random() * 20);
      } else {
        process.nextTick(done, failure);
      }
      return;
    }
    process.nextTick(done, null, outcome);
  }
}

/** Prepared statements kept per connection. */
const PREPARED_KEPT = 500;

type Callback = (this: Statement, err: Error | null, rows: unknown[]) => void;
interface Outcome { rows: unknown[]; result: Statement }

/** What node-sqlite3 passes as `this` to a statement's callback (Sequelize reads lastID and changes, and the class name). */
class Statement {
  constructor(readonly lastID: number, readonly changes: number) {}
}

/** node-sqlite3's binding rules in better-sqlite3's terms: booleans as 0/1, dates as milliseconds, undefined as NULL. */
function bindValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  return value;
}

function bindable(params: unknown): unknown {
  if (params === undefined || params === null) return undefined;
  if (Array.isArray(params)) return params.length ? params.map(bindValue) : undefined;
  if (typeof params === 'object') {
    // node-sqlite3 keys named parameters with their prefix ($name, :name, @name); better-sqlite3 without it.
    const named: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(params as Record<string, unknown>)) named[key.replace(/^[$:@]/, '')] = bindValue(value);
    return Object.keys(named).length ? named : undefined;
  }
  return [bindValue(params)];
}

/**
 * An error as node-sqlite3 reports it, which Sequelize and this project read: the primary result code
 * (`SQLITE_CONSTRAINT`, not better-sqlite3's extended `SQLITE_CONSTRAINT_UNIQUE`) in `code` and as the message's prefix.
 */
function asNodeSqliteError(error: unknown): Error & { code?: string } {
  const original = error as Error & { code?: string };
  if (typeof original?.code !== 'string' || !original.code.startsWith('SQLITE_')) return original;
  const code = /^SQLITE_[A-Z]+/.exec(original.code)![0];
  const failure = new Error(`${code}: ${original.message}`) as Error & { code?: string };
  failure.code = code;
  return failure;
}
