import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';

export type TestDialect = 'sqlite' | 'mysql';
export const DIALECTS: TestDialect[] = ['sqlite', 'mysql'];

/** The MariaDB/MySQL server the MySQL suites use; each run makes its own randomly named databases there. */
export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';

const created: Array<{ dialect: TestDialect; name: string }> = [];
const sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hospital-test-'));

function serverUrl(database: string): string {
  const url = new URL(TEST_MYSQL_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withServer<T>(work: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({ uri: TEST_MYSQL_URL, connectTimeout: 5_000 });
  try {
    return await work(conn);
  } finally {
    await conn.end();
  }
}

let mysqlReachable: Promise<string | null> | undefined;

/** null when the MySQL server answers, else why not. */
export function mysqlUnavailableReason(): Promise<string | null> {
  mysqlReachable ??= withServer(async (conn) => { await conn.query('SELECT 1'); return null; })
    .catch((error: Error) => `MariaDB/MySQL at ${new URL(TEST_MYSQL_URL).host} is unreachable: ${error.message}`);
  return mysqlReachable;
}

/** A new, empty database of the dialect; dropped when the test run ends. */
export async function createEmptyDatabase(dialect: TestDialect): Promise<string> {
  const name = `ih_test_${crypto.randomBytes(6).toString('hex')}`;
  created.push({ dialect, name });
  if (dialect === 'sqlite') return `sqlite:${path.join(sqliteDir, `${name}.db`)}`;
  await withServer((conn) => conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
  return serverUrl(name);
}

export async function dropCreatedDatabases(): Promise<void> {
  const mysqlNames = created.filter((d) => d.dialect === 'mysql').map((d) => d.name);
  if (mysqlNames.length) {
    await withServer(async (conn) => {
      for (const name of mysqlNames) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    });
  }
  fs.rmSync(sqliteDir, { recursive: true, force: true });
}
