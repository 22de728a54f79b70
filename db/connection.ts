import fs from 'node:fs';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { Sequelize, Transaction } from 'sequelize';
import { defineModels, type Models } from './models/index.js';

export type Dialect = 'sqlite' | 'mysql';

export interface Database {
  sequelize: Sequelize;
  dialect: Dialect;
  models: Models;
  /**
   * Runs `work` in one transaction and retries it when the database reports a deadlock.
   * Every multi-row write in the services goes through here: nothing is ever half-written.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * SQLite allows one writer at a time. Each Sequelize transaction opens its own connection, so without a
 * busy timeout a second writer fails at once with SQLITE_BUSY; with WAL, readers never wait for the writer.
 */
function sqliteDriver(): typeof sqlite3 {
  function Database(file: string, mode: number, callback: (err: Error | null) => void): sqlite3.Database {
    const db: sqlite3.Database = new sqlite3.Database(file, mode, (err) => {
      if (err) return callback(err);
      db.configure('busyTimeout', 15_000);
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;', (pragmaErr) => callback(pragmaErr));
    });
    return db;
  }
  return { ...sqlite3, Database } as unknown as typeof sqlite3;
}

function sqliteStorage(url: string): string {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:' || rest === '') return ':memory:';
  const file = path.resolve(rest.replace(/^\/\/(?=\/)/, ''));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return file;
}

const DEADLOCK_RETRIES = 3;

function isDeadlock(error: unknown): boolean {
  const original = (error as { original?: { code?: string; errno?: number } }).original;
  return original?.code === 'ER_LOCK_DEADLOCK' || original?.errno === 1213 || original?.code === 'ER_LOCK_WAIT_TIMEOUT';
}

export async function openDatabase(url: string): Promise<Database> {
  const dialect: Dialect = url.startsWith('sqlite:') ? 'sqlite' : 'mysql';
  const sequelize = dialect === 'sqlite'
    ? new Sequelize({ dialect: 'sqlite', storage: sqliteStorage(url), dialectModule: sqliteDriver(), logging: false })
    : new Sequelize(url.replace(/^mariadb:/, 'mysql:'), {
      dialect: 'mysql',
      logging: false,
      timezone: '+00:00',
      pool: { max: 10, min: 0, idle: 10_000, acquire: 30_000 },
      dialectOptions: { connectTimeout: 5_000, supportBigNumbers: true },
    });
  await sequelize.authenticate();
  const models = defineModels(sequelize);

  // SQLite has a single writer: queue this process's transactions instead of letting them fight over the lock.
  let sqliteQueue: Promise<unknown> = Promise.resolve();

  async function run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    if (dialect === 'sqlite') {
      return sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE }, work);
    }
    return sequelize.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED }, work);
  }

  async function transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    if (dialect === 'sqlite') {
      const next = sqliteQueue.then(() => run(work));
      sqliteQueue = next.catch(() => undefined);
      return next;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(work);
      } catch (error) {
        if (!isDeadlock(error) || attempt >= DEADLOCK_RETRIES) throw error;
      }
    }
  }

  return { sequelize, dialect, models, transaction, close: () => sequelize.close() };
}
