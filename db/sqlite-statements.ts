import BetterSqlite3 from 'better-sqlite3';

/**
 * One SQLite connection through better-sqlite3, running statements as node-sqlite3 would answer them (the part of
 * its API Sequelize's SQLite dialect reads): the writer (db/sqlite-writer.ts, on the main thread) and the reader
 * (db/sqlite-reader.ts, on a thread of its own) are built on it.
 *
 * Every SQLite connection of this process is a better-sqlite3 one, so the process holds one copy of the SQLite
 * library. Two copies (node-sqlite3 for reads beside better-sqlite3 for writes, as before) do not see each other's
 * locks: POSIX locks belong to the process, and each copy tracks the locks of its own connections only. The
 * writer's checkpoint then overwrote pages under a reader's snapshot: transactions that moved amounts between rows
 * while node-sqlite3 summed them gave 273 wrong sums of 380 and `database disk image is malformed` (docs/architecture.md;
 * test/api/database.test.ts "every read sees one whole snapshot").
 */
export class SqliteStatements {
  private readonly db: BetterSqlite3.Database;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(readonly filename: string, options: { busyTimeoutMs: number }) {
    this.db = new BetterSqlite3(filename, { timeout: options.busyTimeoutMs });
    if (filename !== ':memory:') {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    }
  }

  pragma(setting: string): void {
    this.db.pragma(setting);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs one statement (or a script of several, without values); throws errors as node-sqlite3 reports them. */
  execute(sql: string, params: unknown, wantsRows: boolean): StatementOutcome {
    try {
      const bound = bindable(params);
      let statement: BetterSqlite3.Statement;
      try {
        statement = this.prepared(sql, bound !== undefined);
      } catch (error) {
        // Several statements in one string (a migration's script) cannot be prepared; they run as a script.
        if ((error as Error).message.includes('more than one statement') && bound === undefined) {
          this.db.exec(sql);
          return { rows: [], lastID: 0, changes: 0 };
        }
        throw error;
      }
      if (wantsRows && statement.reader) {
        return { rows: bound === undefined ? statement.all() : statement.all(bound), lastID: 0, changes: 0 };
      }
      const info = bound === undefined ? statement.run() : statement.run(bound);
      return { rows: [], lastID: Number(info.lastInsertRowid), changes: info.changes };
    } catch (error) {
      throw asNodeSqliteError(error);
    }
  }

  /**
   * The statement for `sql`; one with bound values is kept for the next time (the same INSERT of a resource's
   * rows, the same read by id, repeat with every request), the least recently prepared making room when
   * PREPARED_KEPT are kept.
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
}

/** Prepared statements kept per connection. */
const PREPARED_KEPT = 500;

export interface StatementOutcome { rows: unknown[]; lastID: number; changes: number }

/** node-sqlite3's callback signature: `this` carries lastID and changes (Sequelize reads them, and the class name). */
export type DriverCallback = (this: Statement, err: Error | null, rows: unknown[]) => void;

export class Statement {
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
export function asNodeSqliteError(error: unknown): Error & { code?: string } {
  const original = error as Error & { code?: string };
  if (typeof original?.code !== 'string' || !original.code.startsWith('SQLITE_')) return original;
  const code = /^SQLITE_[A-Z]+/.exec(original.code)![0];
  const failure = new Error(`${code}: ${original.message}`) as Error & { code?: string };
  failure.code = code;
  return failure;
}

/** The parts of node-sqlite3's Database that Sequelize's SQLite dialect and db/connection.ts call. */
export abstract class NodeSqliteShape {
  uuid?: string;
  constructor(readonly filename: string) {}

  /** node-sqlite3 queues statements in serialize mode; here statements already run in the order they are given. */
  serialize(work?: () => void): void {
    work?.();
  }

  all(sql: string, params?: unknown, callback?: DriverCallback): this {
    if (typeof params === 'function') this.execute(sql, undefined, params as DriverCallback, true);
    else this.execute(sql, params, callback, true);
    return this;
  }

  run(sql: string, params?: unknown, callback?: DriverCallback): this {
    if (typeof params === 'function') this.execute(sql, undefined, params as DriverCallback, false);
    else this.execute(sql, params, callback, false);
    return this;
  }

  abstract close(callback?: (err: Error | null) => void): void;

  protected abstract execute(sql: string, params: unknown, callback: DriverCallback | undefined, wantsRows: boolean): void;
}

/** Answers a node-sqlite3 callback with an outcome or an error. */
export function answer(callback: DriverCallback | undefined, err: Error | null, outcome?: StatementOutcome): void {
  callback?.call(new Statement(outcome?.lastID ?? 0, outcome?.changes ?? 0), err, outcome?.rows ?? []);
}
