import { AsyncLocalStorage } from 'node:async_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseError, QueryTypes, Sequelize, Transaction, type Model, type ModelStatic, type QueryOptions } from 'sequelize';
import { GroupCommit } from './group-commit.js';
import { SqliteReader } from './sqlite-reader.js';
import { SqliteWriter } from './sqlite-writer.js';
import { defineModels, type Models } from './models/index.js';

export type Dialect = 'sqlite' | 'mysql';

export interface Database {
  sequelize: Sequelize;
  dialect: Dialect;
  models: Models;
  /**
   * Runs `work` in one transaction and retries it when the database reports a deadlock.
   * Every multi-row write in the services goes through here: nothing is ever half-written. Called inside
   * another unit of work, it becomes a savepoint of that transaction instead of waiting for it.
   * `appendOnly`: the unit only appends rows that requests wait for (db/group-commit.ts); on SQLite it goes before
   * the writes waiting for the writer, in a commit of its own.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>, options?: { appendOnly?: boolean }): Promise<T>;
  /** Whether the caller runs inside a unit of work (`transaction`), whose transaction its queries then join. */
  inTransaction(): boolean;
  /**
   * Appends a row outside any unit of work, sharing one INSERT and one commit with the rows appended at the
   * same moment (group commit); resolves once the row is committed.
   */
  appendCommitted(model: ModelStatic<Model>, values: Record<string, unknown>): Promise<void>;
  /**
   * The rows of one read-only statement (`?` placeholders), handed to the driver as written: no query building
   * and no model instances, for the reads every request makes (a resource by its id). It joins `tx`, or else the
   * unit of work it runs in.
   */
  select<T extends object>(sql: string, params: unknown[], tx?: Transaction): Promise<T[]>;
  /**
   * One row-changing statement (`?` placeholders), handed to the driver as written, in `tx` or the unit of work it
   * runs in; outside any, in a transaction of its own (on SQLite: its turn of the writer).
   */
  execute(sql: string, params: unknown[], tx?: Transaction): Promise<void>;
  /** What the database layer is doing now and has done since it opened (read by /metrics, server/operations/metrics.ts). */
  activity(): DatabaseActivity;
  /** Closes once what was asked of it before is done: the rows appended and, on SQLite, the units queued for the writer. */
  close(): Promise<void>;
}

/** Counts of this process's database work; the counters only grow while the database is open. */
export interface DatabaseActivity {
  /** Units of work queued for SQLite's single writer, the one holding it included (always 0 on MySQL). */
  writerQueueDepth: number;
  /** Transactions run again after a deadlock, a lock wait timeout or a cluster's certification conflict (MySQL). */
  transactionRetries: number;
  /** Transactions rolled back because they held the writer or their locks past `transactionTimeoutMs`. */
  writerTimeouts: number;
  /** The MySQL connection pool (null on SQLite, which has no pool). */
  pool: { size: number; inUse: number; waiting: number; max: number } | null;
}

export interface DatabaseOptions {
  /**
   * How long one transaction may keep the writer (SQLite) or its row locks (MySQL): its next statement past
   * this fails and the whole transaction rolls back (`WriterTimeout`), so no request stalls the others.
   */
  transactionTimeoutMs?: number;
}

/** A transaction that held the writer longer than `transactionTimeoutMs`; it was rolled back. */
export class WriterTimeout extends Error {
  constructor(readonly limitMs: number) {
    super(`The transaction took longer than ${limitMs} ms and was rolled back.`);
    this.name = 'WriterTimeout';
  }
}

/** How long a connection waits for another process's write lock (SQLite) before SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * SQLite allows one writer at a time, and WAL lets readers go on while it writes. This process never makes
 * SQLite wait for a lock on the event loop: its writes are queued in JavaScript (below) and run on the writer
 * (db/sqlite-writer.ts), whose busy timeout is 0; Sequelize's own connection, for reads outside a transaction
 * and DDL, runs on a thread of its own (db/sqlite-reader.ts), where the busy timeout remains for another
 * process on the same file (`npm run migrate`). Both are better-sqlite3: one SQLite library in the process
 * (db/sqlite-statements.ts says why that matters).
 */
function sqliteDriver() {
  function Database(file: string, _mode: number, callback: (err: Error | null) => void): SqliteReader {
    const reader = new SqliteReader(file, SQLITE_BUSY_TIMEOUT_MS);
    reader.ready().then(() => callback(null), callback);
    return reader;
  }
  // The open flags Sequelize's connection manager passes (node-sqlite3's values); a reader opens read-write.
  return { Database, OPEN_READWRITE: 0x02, OPEN_CREATE: 0x04 };
}

type DriverCallback = (err: Error | null, rows: unknown) => void;
/** A connection as Sequelize holds it: a SqliteReader or a SqliteWriter (`all`), or mysql2's (`query`). */
interface DriverConnection {
  uuid?: string;
  all?(sql: string, params: unknown[], callback: DriverCallback): void;
  query?(sql: string, params: unknown[], callback: DriverCallback): void;
  close(callback?: (err: Error | null) => void): void;
}
/** Sequelize's connection manager, which it does not type (`connections`: SQLite's, by uuid). */
interface ConnectionManager {
  connections: Record<string, DriverConnection>;
  getConnection(options?: { uuid?: string; type?: string }): Promise<DriverConnection>;
  releaseConnection(connection: DriverConnection, force?: boolean): void;
  destroyConnection(connection: DriverConnection): Promise<void>;
}
const connectionsOf = (sequelize: Sequelize) => sequelize.connectionManager as unknown as ConnectionManager;

const WRITER = 'writer';
/** Units of work that share one SQLite transaction at most (group commit, openDatabase). */
const MAX_UNITS_PER_COMMIT = 32;

interface WaitingUnit {
  work: (tx: Transaction) => Promise<unknown>;
  appendOnly: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Sequelize opens a new SQLite connection for every transaction and closes it at the end (a file open, its
 * pragmas and a parse of the whole schema on its first statement, paid by every write). This process's
 * transactions already take turns (the writer queue in openDatabase), so they share one connection, opened once:
 * a SqliteWriter, which runs their statements without a trip to the thread pool. Statements outside a
 * transaction keep Sequelize's own connection.
 */
function shareOneWriterConnection(sequelize: Sequelize, file: string): void {
  const manager = connectionsOf(sequelize);
  const open = manager.getConnection.bind(manager);
  const release = manager.releaseConnection.bind(manager);
  manager.getConnection = async (options) => {
    if (!options?.uuid || options.uuid === 'default') return open(options);
    return manager.connections[WRITER] ??= new SqliteWriter(file, SQLITE_BUSY_TIMEOUT_MS);
  };
  const isWriter = (connection: DriverConnection) => manager.connections[WRITER] === connection;
  manager.releaseConnection = (connection, force) => {
    if (!isWriter(connection)) release(connection, force);
  };
  // A transaction whose rollback failed is in an unknown state: its connection is closed, the next one opens anew.
  manager.destroyConnection = async (connection) => {
    if (isWriter(connection)) delete manager.connections[WRITER];
    await new Promise<void>((resolve) => connection.close(() => resolve()));
  };
}

function sqliteStorage(url: string): string {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:' || rest === '') return ':memory:';
  const file = path.resolve(rest.replace(/^\/\/(?=\/)/, ''));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return file;
}

/**
 * Attempts of a transaction that a deadlock, a lock wait timeout or a Galera certification conflict (reported as
 * a deadlock, ER_LOCK_DEADLOCK 1213) rolled back. On a cluster a hot row (a slot 100 patients want) can abort the
 * same transaction more than twice: the replicated winner aborts the local holders and the waiters behind them.
 * Between attempts a short random pause (a few ms times the attempt) keeps the losers from colliding again in step.
 */
const DEADLOCK_ATTEMPTS = 6;
/** A lock wait timeout already cost `innodb_lock_wait_timeout` (TRANSACTION_TIMEOUT_MS): three attempts at most. */
const LOCK_WAIT_TIMEOUT_ATTEMPTS = 3;
const retryPause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, attempt * (2 + Math.random() * 18)));
const DEFAULT_TRANSACTION_TIMEOUT_MS = 10_000;
/**
 * A database that is down or unreachable must answer 503 within a second or two, not hold each request for the
 * pool's former 30 s: a refused connection fails at once, a host that does not complete the handshake within
 * CONNECT_TIMEOUT_MS fails then, and a request waits at most POOL_ACQUIRE_TIMEOUT_MS for a free connection
 * (past it the node is overloaded, and 503 with Retry-After says so better than a long wait).
 */
const CONNECT_TIMEOUT_MS = 1_500;
const POOL_ACQUIRE_TIMEOUT_MS = 3_000;

/** How many attempts a transaction that failed with this error gets in all (1: it is not retried). */
function attemptsFor(error: unknown): number {
  const original = (error as { original?: { code?: string; errno?: number } }).original;
  if (original?.code === 'ER_LOCK_DEADLOCK' || original?.errno === 1213) return DEADLOCK_ATTEMPTS;
  if (original?.code === 'ER_LOCK_WAIT_TIMEOUT') return LOCK_WAIT_TIMEOUT_ATTEMPTS;
  return 1;
}

const WRITE_TYPES = new Set<string>([
  QueryTypes.INSERT, QueryTypes.UPDATE, QueryTypes.BULKUPDATE, QueryTypes.BULKDELETE, QueryTypes.DELETE, QueryTypes.UPSERT,
]);
const WRITE_SQL = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;

/** Whether a statement changes rows (DDL is left alone: migrations run before the node serves anyone). */
function isRowWrite(sql: string | { query: string }, options: QueryOptions | undefined): boolean {
  if (options?.type && WRITE_TYPES.has(options.type)) return true;
  if (options?.type && options.type !== QueryTypes.RAW) return false;
  return WRITE_SQL.test(typeof sql === 'string' ? sql : sql.query);
}

type Query = Sequelize['query'];

interface ConnectionPool { size: number; available: number; waiting: number; maxSize: number }

/** Sequelize's MySQL connection pool (sequelize-pool), which it does not type; SQLite has none. */
function poolOf(sequelize: Sequelize): DatabaseActivity['pool'] {
  const pool = (sequelize.connectionManager as unknown as { pool?: ConnectionPool }).pool;
  if (!pool || typeof pool.size !== 'number') return null;
  return { size: pool.size, inUse: pool.size - pool.available, waiting: pool.waiting, max: pool.maxSize };
}

export async function openDatabase(url: string, options: DatabaseOptions = {}): Promise<Database> {
  const dialect: Dialect = url.startsWith('sqlite:') ? 'sqlite' : 'mysql';
  const timeoutMs = options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
  const storage = dialect === 'sqlite' ? sqliteStorage(url) : undefined;
  const sequelize = dialect === 'sqlite'
    ? new Sequelize({ dialect: 'sqlite', storage, dialectModule: sqliteDriver(), logging: false })
    : new Sequelize(url.replace(/^mariadb:/, 'mysql:'), {
      dialect: 'mysql',
      logging: false,
      timezone: '+00:00',
      pool: { max: 10, min: 0, idle: 10_000, acquire: POOL_ACQUIRE_TIMEOUT_MS },
      dialectOptions: { connectTimeout: CONNECT_TIMEOUT_MS, supportBigNumbers: true },
      hooks: {
        // A row lock is not waited for longer than a transaction may last (InnoDB's default is 50 s).
        afterConnect: (connection: unknown) => new Promise<void>((resolve, reject) => {
          (connection as { query(sql: string, cb: (err: Error | null) => void): void })
            .query(`SET SESSION innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(timeoutMs / 1000))}`, (err) => (err ? reject(err) : resolve()));
        }),
      },
    });
  // An in-memory database is one connection already (a second would be another database).
  if (storage && storage !== ':memory:') shareOneWriterConnection(sequelize, storage);
  await sequelize.authenticate();
  const models = defineModels(sequelize);

  /** The unit of work the current async call chain runs in (this database's only). */
  const ambient = new AsyncLocalStorage<Transaction>();
  const deadlines = new WeakMap<Transaction, number>();
  const current = () => {
    const tx = ambient.getStore();
    return tx && !(tx as unknown as { finished?: string }).finished ? tx : undefined;
  };

  /**
   * SQLite has a single writer: this process's units of work wait their turn here instead of fighting over the
   * lock. The units waiting when the writer comes free share one transaction, each in a savepoint of its own
   * (group commit): a unit that fails rolls back to its savepoint alone, every unit of the batch is answered once
   * the one COMMIT is durable, and N concurrent writes pay for one BEGIN and one COMMIT, whose WAL frames were
   * most of a small write's cost (docs/performance.md).
   */
  const waitingUnits: WaitingUnit[] = [];
  let writerBusy = false;
  /** The writer's run through the queue under way (or the last one): it ends when no unit waits. */
  let writing = Promise.resolve();
  const counts = { writerQueueDepth: 0, transactionRetries: 0, writerTimeouts: 0 };
  const timedOut = new WeakSet<Transaction>();

  function run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const options = dialect === 'sqlite'
      ? { type: Transaction.TYPES.IMMEDIATE }
      : { isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED };
    return sequelize.transaction(options, (tx) => {
      deadlines.set(tx, Date.now() + timeoutMs);
      return ambient.run(tx, () => work(tx));
    });
  }

  async function transaction<T>(work: (tx: Transaction) => Promise<T>, options: { appendOnly?: boolean } = {}): Promise<T> {
    const outer = current();
    if (outer) return sequelize.transaction({ transaction: outer }, (savepoint) => ambient.run(savepoint, () => work(savepoint)));
    if (dialect === 'sqlite') {
      return new Promise<T>((resolve, reject) => {
        counts.writerQueueDepth++;
        waitingUnits.push({ work, appendOnly: options.appendOnly === true, resolve: resolve as (value: unknown) => void, reject });
        if (!writerBusy) writing = writeInTurn();
      });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(work);
      } catch (error) {
        if (attempt >= attemptsFor(error)) throw error;
        counts.transactionRetries++;
        await retryPause(attempt);
      }
    }
  }

  /** Runs the waiting units, a batch at a time, until none waits. */
  async function writeInTurn(): Promise<void> {
    writerBusy = true;
    while (waitingUnits.length) {
      // Let the requests of this turn of the event loop join the batch (an idle writer waits microseconds for it).
      await nextTurn();
      const batch = nextBatch();
      const outcomes = batch.length === 1 ? await alone(batch[0]) : await together(batch);
      batch.forEach((unit, i) => {
        counts.writerQueueDepth--;
        const outcome = outcomes[i];
        if (outcome.ok) unit.resolve(outcome.value);
        else unit.reject(outcome.error);
      });
    }
    writerBusy = false;
  }

  /**
   * The units the writer runs next, in one transaction: the append-only ones first, on their own, so that the
   * requests waiting for those rows (a read's audit event) wait for the batch under way and not for the writes
   * queued behind it too (a seed's, an import's: hundreds of rows a unit). They cannot hold the writes back: a
   * group commit queues one unit at a time, which takes every row waiting when it runs.
   */
  function nextBatch(): WaitingUnit[] {
    const appendOnly = waitingUnits.filter((unit) => unit.appendOnly);
    if (!appendOnly.length || appendOnly.length === waitingUnits.length) return waitingUnits.splice(0, MAX_UNITS_PER_COMMIT);
    const rest = waitingUnits.filter((unit) => !unit.appendOnly);
    waitingUnits.splice(0, waitingUnits.length, ...rest);
    return appendOnly;
  }

  async function alone(unit: WaitingUnit): Promise<Outcome[]> {
    try {
      return [{ ok: true, value: await run(unit.work) }];
    } catch (error) {
      return [{ ok: false, error }];
    }
  }

  /** One transaction, a savepoint per unit, each unit with its own deadline; if the COMMIT fails, every unit fails. */
  async function together(batch: WaitingUnit[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    try {
      await sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE }, async (tx) => {
        for (const unit of batch) {
          try {
            const value = await sequelize.transaction({ transaction: tx }, (savepoint) => {
              deadlines.set(savepoint, Date.now() + timeoutMs);
              return ambient.run(savepoint, () => unit.work(savepoint));
            });
            outcomes.push({ ok: true, value });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
      return outcomes;
    } catch (error) {
      return batch.map(() => ({ ok: false, error }));
    }
  }

  /**
   * A WriterTimeout when the unit of work `tx` belongs to (the nearest transaction or savepoint given a deadline)
   * has outlived it; the unit is then rolled back.
   */
  function pastDeadline(tx: Transaction): WriterTimeout | undefined {
    let unit: Transaction | undefined = tx;
    while (unit && !deadlines.has(unit)) unit = (unit as unknown as { parent?: Transaction }).parent;
    if (!unit || Date.now() <= deadlines.get(unit)!) return undefined;
    if (!timedOut.has(unit)) counts.writerTimeouts++;
    timedOut.add(unit);
    return new WriterTimeout(timeoutMs);
  }

  const connections = connectionsOf(sequelize);
  function onDriver<T>(connection: DriverConnection, sql: string, params: unknown[]): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const done: DriverCallback = (err, rows) => (err ? reject(new DatabaseError(Object.assign(err, { sql }) as Error & { sql: string })) : resolve(rows as T[]));
      if (connection.all) connection.all(sql, params, done);
      else connection.query!(sql, params, done);
    });
  }
  /** A statement on the connection of `tx`'s unit of work, unless that unit has outlived its deadline. */
  function inUnit<T>(tx: Transaction, sql: string, params: unknown[]): Promise<T[]> {
    const late = pastDeadline(tx);
    return late ? Promise.reject(late) : onDriver<T>((tx as unknown as { connection: DriverConnection }).connection, sql, params);
  }
  /** db.select's statements go to Sequelize's `logging`, as its own do, with their bound values (`bind`). */
  const logged = (sql: string, params: unknown[]) => {
    const { logging } = (sequelize as unknown as { options: { logging?: unknown } }).options;
    if (typeof logging === 'function') logging(`Executing (select): ${sql}`, { bind: params });
  };
  async function select<T extends object>(sql: string, params: unknown[], given?: Transaction): Promise<T[]> {
    logged(sql, params);
    const tx = given ?? current();
    if (tx) return inUnit<T>(tx, sql, params);
    if (dialect === 'sqlite') return onDriver<T>(await connections.getConnection({ uuid: 'default' }), sql, params);
    const connection = await connections.getConnection({ type: 'SELECT' });
    try {
      return await onDriver<T>(connection, sql, params);
    } finally {
      connections.releaseConnection(connection);
    }
  }

  async function execute(sql: string, params: unknown[], given?: Transaction): Promise<void> {
    const tx = given ?? current();
    if (!tx) return transaction((own) => execute(sql, params, own));
    await inUnit(tx, sql, params);
  }

  /**
   * Every statement passes here. One without a transaction joins the unit of work it runs in (so a forgotten
   * `transaction:` never waits on its own transaction's lock); on SQLite a row write outside any unit of work
   * takes its turn in the writer queue. A statement of a transaction past its deadline fails it.
   */
  const query = sequelize.query.bind(sequelize) as Query;
  sequelize.query = ((sql: string | { query: string; values: unknown[] }, queryOptions?: QueryOptions) => {
    let opts = queryOptions;
    if (opts?.transaction === undefined) {
      const tx = current();
      if (tx) opts = { ...opts, transaction: tx };
      else if (dialect === 'sqlite' && isRowWrite(sql, opts)) {
        return transaction((own) => query(sql, { ...opts, transaction: own }));
      }
    }
    const tx = opts?.transaction;
    if (tx && !(opts as { completesTransaction?: boolean }).completesTransaction) {
      const late = pastDeadline(tx);
      if (late) return Promise.reject(late);
    }
    return query(sql, opts);
  }) as Query;

  const groups = new Map<ModelStatic<Model>, GroupCommit>();
  const db: Database = {
    sequelize, dialect, models, transaction, select, execute,
    inTransaction: () => current() !== undefined,
    activity: () => ({ ...counts, pool: poolOf(sequelize) }),
    appendCommitted(model, values) {
      let group = groups.get(model);
      if (!group) groups.set(model, group = new GroupCommit(db, model, (work) => ambient.exit(work)));
      return group.append(values);
    },
    async close() {
      // What was asked for before the close is done first: the rows appended, then the units queued for the
      // writer (a request whose client left at shutdown still commits whole or not at all, never half-closed).
      await Promise.all([...groups.values()].map((group) => group.drain()));
      await writing;
      await sequelize.close();
    },
  };
  return db;
}
