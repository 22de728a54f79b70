import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteWriter } from '../../db/sqlite-writer.js';

/**
 * The writer (db/sqlite-writer.ts) leaves the copy of its WAL back into the database file to a thread of its
 * own (db/sqlite-checkpoints.ts): a commit smaller than SQLite's own checkpoint threshold reaches the database
 * file all the same, and the WAL still starts over.
 */
describe('the SQLite writer\'s checkpoints', () => {
  let dir: string;
  let file: string;
  let writer: SqliteWriter;
  const run = (sql: string, params: unknown[] = []) => new Promise<void>((resolve, reject) => {
    writer.run(sql, params, (err) => (err ? reject(err) : resolve()));
  });
  /** Waits (up to 10 s) for `check` to hold. */
  async function eventually(check: () => boolean): Promise<boolean> {
    for (let waited = 0; waited < 10_000; waited += 20) {
      if (check()) return true;
      await sleep(20);
    }
    return check();
  }
  const fileSize = () => fs.statSync(file).size;
  const walSize = () => fs.statSync(`${file}-wal`).size;
  /** One transaction of `rows` rows of 1,000 bytes each: about a quarter of a 4 KiB page a row. */
  async function commitRows(rows: number, from = 0): Promise<void> {
    await run('BEGIN IMMEDIATE');
    for (let i = from; i < from + rows; i++) await run('INSERT INTO notes (id, body) VALUES (?, ?)', [i, 'x'.repeat(1000)]);
    await run('COMMIT');
  }

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-writer-'));
    file = path.join(dir, 'writer.db');
    writer = new SqliteWriter(file, 1_000);
    await run('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => writer.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when a commit writes fewer pages than SQLite\'s own checkpoint waits for, then its rows reach the database file anyway', async () => {
    const before = fileSize();
    await commitRows(1_000); // about 250 pages (1 MB), below the writer's threshold of 1,000
    expect(await eventually(() => fileSize() >= before + 1_000_000), `the database file stayed at ${fileSize()} bytes`).to.equal(true);
    const copy = new BetterSqlite3(file, { readonly: true });
    try {
      expect(copy.prepare('SELECT COUNT(*) AS n FROM notes').get()).to.deep.equal({ n: 1_000 });
    } finally {
      copy.close();
    }
  });

  it('when writes keep coming, then the WAL starts over instead of growing with them', async () => {
    // 40 commits of about 4 MB in all between them, each a quarter of SQLite's threshold.
    for (let i = 0; i < 40; i++) await commitRows(250, i * 250);
    await sleep(100);
    await commitRows(1, 1_000_000);
    expect(walSize(), 'the WAL holds far less than the 10 MB written').to.be.below(6 * 1024 * 1024);
  });
});
