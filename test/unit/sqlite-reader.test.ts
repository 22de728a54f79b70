import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteReader } from '../../db/sqlite-reader.js';

/** Sequelize's own SQLite connection (db/sqlite-reader.ts) answers as node-sqlite3 did, from its thread. */
describe('the SQLite reading thread', () => {
  let dir: string;
  let reader: SqliteReader;
  const all = (sql: string, params: unknown[] = []) => new Promise<unknown[]>((resolve, reject) => {
    reader.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows)));
  });
  const run = (sql: string, params: unknown[] = []) => new Promise<{ lastID: number; changes: number }>((resolve, reject) => {
    reader.run(sql, params, function (err) { return err ? reject(err) : resolve({ lastID: this.lastID, changes: this.changes }); });
  });
  const closed = () => new Promise<void>((resolve) => reader.close(() => resolve()));

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-reader-'));
    reader = new SqliteReader(path.join(dir, 'reader.db'), 1_000);
    await reader.ready();
    await run('CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, body BLOB, at INTEGER)');
  });
  afterEach(async () => {
    await closed();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when a row is inserted, then its id and count come back, and its BLOB, date and boolean read back as node-sqlite3 gave them', async () => {
    const at = new Date('2026-12-01T08:00:00Z');
    expect(await run('INSERT INTO files (name, body, at) VALUES (?, ?, ?)', ['scan.pdf', Buffer.from([0, 1, 2, 255]), at]))
      .to.deep.equal({ lastID: 1, changes: 1 });
    const [row] = await all('SELECT name, body, at, ? AS flag FROM files', [true]) as Array<{ name: string; body: Buffer; at: number; flag: number }>;
    expect(Buffer.isBuffer(row.body), 'a Buffer, not a Uint8Array').to.equal(true);
    expect([...row.body]).to.deep.equal([0, 1, 2, 255]);
    expect(row).to.include({ name: 'scan.pdf', at: at.getTime(), flag: 1 });
  });

  it('when a statement fails, then its error carries the primary SQLite code, and the next statement runs', async () => {
    await run('INSERT INTO files (name) VALUES (?)', ['a']);
    const failure = await run('INSERT INTO files (name) VALUES (?)', ['a']).then(() => undefined, (error: Error & { code?: string }) => error);
    expect(failure?.code).to.equal('SQLITE_CONSTRAINT');
    expect(failure?.message).to.match(/^SQLITE_CONSTRAINT: UNIQUE constraint failed/);
    expect(await all('SELECT COUNT(*) AS n FROM files')).to.deep.equal([{ n: 1 }]);
  });

  it('when statements are sent together, then they are answered in the order given', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => run('INSERT INTO files (name) VALUES (?)', [`f${i}`])));
    expect(answers.map((a) => a.lastID)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('when a statement comes after the connection was closed, then a new thread opens the file and answers it', async () => {
    await run('INSERT INTO files (name) VALUES (?)', ['kept']);
    await closed();
    expect(await all('SELECT name FROM files')).to.deep.equal([{ name: 'kept' }]);
  });
});
