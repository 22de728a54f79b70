import { WalCheckpoints } from './sqlite-checkpoints.js';
import { answer, NodeSqliteShape, SqliteStatements, type DriverCallback, type StatementOutcome } from './sqlite-statements.js';

/**
 * The connection that runs this process's SQLite transactions, in the calling thread, behind the part of
 * node-sqlite3's API that Sequelize's SQLite dialect uses (`serialize`, `all`, `run`, `close`).
 *
 * Why: a write transaction holds SQLite's single writer for all of its statements, and every other write waits
 * behind it. Through a thread pool each statement is a round trip, and a create's dozen statements kept the
 * writer about 14 ms, which capped creates near 70 a second whatever the CPU did. Here a statement runs in the
 * calling thread in microseconds (a row insert by key), so the writer is held for the JavaScript between
 * statements and little else. Reads outside a transaction go to the reading thread (db/sqlite-reader.ts), off
 * the event loop, where a long search belongs (WAL lets them read beside the writer).
 *
 * Never waiting inside SQLite: the connection's busy timeout is 0, and a statement refused with SQLITE_BUSY
 * (another process holds the write lock, e.g. `npm run migrate`) is tried again from a timer, for at most
 * `busyTimeoutMs`, so the event loop never blocks on a lock (issue 11).
 *
 * Never waiting on the disk for a checkpoint either: after each COMMIT the WAL is copied back on a thread of its
 * own (db/sqlite-checkpoints.ts); SQLite's own checkpoint stays behind it as the backstop that lets the WAL start over.
 */
export class SqliteWriter extends NodeSqliteShape {
  private readonly connection: SqliteStatements;
  private readonly checkpoints: WalCheckpoints;

  constructor(file: string, private readonly busyTimeoutMs: number) {
    super(file);
    this.connection = new SqliteStatements(file, { busyTimeoutMs: 0 });
    this.connection.pragma('foreign_keys = ON');
    // SQLite's own checkpoint, after a commit that leaves the WAL past WRITER_CHECKPOINT_PAGES, finds most frames
    // copied back by the checkpoint thread already; a WAL that a large transaction (a seed, an import) grew is cut
    // back to 64 MB when it starts over.
    this.connection.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
    this.connection.pragma('journal_size_limit = 67108864');
    this.connection.pragma('temp_store = MEMORY');
    this.checkpoints = new WalCheckpoints(file);
  }

  /**
   * Closes the checkpoint thread first and answers once it has exited and this connection is closed too, so that
   * no thread of this writer touches the files after `callback` (answered at once, as before 2026-12-02, the thread
   * could still be closing its connection, and with it removing the WAL, while the caller went on: a test's `rm -r`
   * of the folder failed with ENOTEMPTY).
   */
  close(callback?: (err: Error | null) => void): void {
    this.checkpoints.close(() => {
      try {
        this.connection.close();
        callback?.(null);
      } catch (error) {
        callback?.(error as Error);
      }
    });
  }

  protected execute(sql: string, params: unknown, callback: DriverCallback | undefined, wantsRows: boolean): void {
    this.attempt(() => this.connection.execute(sql, params, wantsRows), (err, outcome) => {
      if (!err && COMMIT.test(sql)) this.checkpoints.committed();
      answer(callback, err, outcome);
    }, Date.now());
  }

  /** Runs `work` now; SQLITE_BUSY tries it again from a timer until `busyTimeoutMs` has passed since `started`. */
  private attempt(work: () => StatementOutcome, done: (err: Error | null, outcome?: StatementOutcome) => void, started: number): void {
    let outcome: StatementOutcome;
    try {
      outcome = work();
    } catch (error) {
      const failure = error as Error & { code?: string };
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

const COMMIT = /^\s*COMMIT\b/i;

/** The WAL's size (pages) past which a commit checkpoints in the writer itself: SQLite's default. */
const WRITER_CHECKPOINT_PAGES = 1000;
