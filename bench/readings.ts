/**
 * bench/readings: how fast home readings go in, and how fast one patient's readings are found among a million.
 *
 *   npx tsx bench/readings.ts                      # SQLite and MariaDB, 1,000,000 rows each
 *   READINGS_ROWS=200000 BENCH_DIALECTS=sqlite npx tsx bench/readings.ts
 *
 * Per database it measures, in the same run:
 *  - bulk load: the million rows by multi-row INSERT on the bare driver (the baseline of raw ingest);
 *  - ORM ingest: Observation.bulkCreate batches (what an importer using the models gets);
 *  - per-reading ingest: submitReading, the real use case (validation, access check, version, audit, alert rules),
 *    one transaction per reading, as a patient's device sends them;
 *  - search: "one patient's readings of one code in a 90-day window, newest first, ≤100" through the model
 *    (Sequelize) and as bare SQL on the driver, p50/p95 over random patients, plus the query plan.
 * MariaDB: BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306); the bench creates and drops its own database.
 */
import './support/as-in-production.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { Op } from 'sequelize';
import { openDatabase, type Database } from '../db/connection.js';
import { migrate } from '../db/migrate.js';
import { SqliteReader } from '../db/sqlite-reader.js';
import type { Caller } from '../server/auth/caller.js';
import { submitReading } from '../server/monitoring/readings.js';

const ROWS = Number(process.env.READINGS_ROWS ?? 1_000_000);
const PATIENTS = Math.max(1, Math.round(ROWS / 500));
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,mysql').split(',').map((d) => d.trim()) as Array<'sqlite' | 'mysql'>;
const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 2000);
const USE_CASE_READINGS = Number(process.env.BENCH_USE_CASE_READINGS ?? 1000);
const ORM_ROWS = Number(process.env.BENCH_ORM_ROWS ?? 50_000);
const DAY = 86_400_000;
const NOW = Date.now();

const CODES = [
  { code: '85354-9', display: 'Blood pressure panel with all children optional', category: 'vital-signs', unit: null },
  { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', category: 'laboratory', unit: 'mg/dL' },
  { code: '15074-8', display: 'Glucose [Moles/volume] in Blood', category: 'laboratory', unit: 'mmol/L' },
  { code: '8867-4', display: 'Heart rate', category: 'vital-signs', unit: '/min' },
  { code: '29463-7', display: 'Body weight', category: 'vital-signs', unit: 'kg' },
];
const COLUMNS = ['id', 'patientId', 'encounterId', 'status', 'category', 'codeSystem', 'code', 'display', 'effectiveAt', 'valueNumber',
  'valueUnit', 'components', 'entryMethod', 'deviceName', 'diagnosticReportId', 'source', 'versionId', 'createdAt', 'updatedAt'];

const patientId = (i: number) => `bench-patient-${String(i).padStart(6, '0')}`;

/** The stored text of a time, exactly as Sequelize writes DATE(3) on each dialect, so both paths compare alike. */
function storedTime(dialect: 'sqlite' | 'mysql', at: Date): string {
  const iso = at.toISOString().replace('T', ' ').replace('Z', '');
  return dialect === 'sqlite' ? `${iso} +00:00` : iso;
}

/** Reading n: patient n mod PATIENTS, codes in turn per patient, spread over the last year. */
function reading(n: number) {
  const c = CODES[Math.floor(n / PATIENTS) % CODES.length];
  const at = new Date(NOW - ((n * 7919) % (365 * 24)) * 3_600_000);
  const bp = JSON.stringify([{ code: '8480-6', display: 'Systolic', value: 110 + (n % 50), unit: 'mm[Hg]' }, { code: '8462-4', display: 'Diastolic', value: 70 + (n % 30), unit: 'mm[Hg]' }]);
  return {
    id: crypto.randomUUID(), patientId: patientId(n % PATIENTS), encounterId: null, status: 'final' as const, category: c.category,
    codeSystem: 'http://loinc.org', code: c.code, display: c.display, effectiveAt: at, valueNumber: c.unit ? 50 + (n % 100) : null,
    valueUnit: c.unit, components: c.unit ? null : bp, entryMethod: n % 3 ? 'device' as const : 'typed' as const, deviceName: null,
    diagnosticReportId: null, source: null, versionId: 1, createdAt: at, updatedAt: at,
  };
}

function row(dialect: 'sqlite' | 'mysql', n: number): unknown[] {
  const r = reading(n) as Record<string, unknown>;
  return COLUMNS.map((c) => (r[c] instanceof Date ? storedTime(dialect, r[c] as Date) : r[c]));
}

interface Bare {
  insert(rows: unknown[][]): Promise<void>;
  query(sql: string, params: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

async function bareSqlite(file: string): Promise<Bare> {
  // A reading thread as the app's (WAL, synchronous NORMAL): the process's one SQLite library (db/sqlite-statements.ts).
  const db = new SqliteReader(file, 15_000);
  await db.ready();
  const run = (sql: string, params: unknown[] = []) => new Promise<void>((resolve, reject) => db.run(sql, params, (e) => (e ? reject(e) : resolve())));
  await run('PRAGMA cache_size = -262144');
  return {
    async insert(rows) {
      await run('BEGIN');
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        await run(`INSERT INTO observations (${COLUMNS.map((c) => `"${c}"`).join(',')}) VALUES ${chunk.map(() => `(${COLUMNS.map(() => '?').join(',')})`).join(',')}`, chunk.flat());
      }
      await run('COMMIT');
    },
    query: (sql, params) => new Promise((resolve, reject) => db.all(sql, params, (e, rows) => (e ? reject(e) : resolve(rows)))),
    close: () => new Promise((resolve) => db.close(() => resolve())),
  };
}

async function bareMysql(url: string): Promise<Bare> {
  const conn = await mysql.createConnection({ uri: url, timezone: '+00:00' });
  return {
    async insert(rows) {
      await conn.beginTransaction();
      for (let i = 0; i < rows.length; i += 1000) {
        await conn.query(`INSERT INTO observations (${COLUMNS.map((c) => `\`${c}\``).join(',')}) VALUES ?`, [rows.slice(i, i + 1000)]);
      }
      await conn.commit();
    },
    async query(sql, params) { const [rows] = await conn.execute(sql, params as string[]); return rows as unknown[]; },
    close: () => conn.end(),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const ms = (n: number) => `${n.toFixed(2)} ms`;
const rate = (rows: number, seconds: number) => `${Math.round(rows / seconds).toLocaleString('en')} rows/s`;

async function timeEach(times: number, work: (i: number) => Promise<unknown>) {
  const took: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint();
    await work(i);
    took.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  took.sort((a, b) => a - b);
  return { p50: percentile(took, 50), p95: percentile(took, 95) };
}

async function benchDialect(dialect: 'sqlite' | 'mysql') {
  let url: string;
  let cleanup: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-readings-'));
    url = `sqlite:${path.join(dir, 'readings.db')}`;
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `bench_readings_${crypto.randomBytes(4).toString('hex')}`;
    const admin = await mysql.createConnection({ uri: MYSQL_URL });
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const server = new URL(MYSQL_URL);
    server.pathname = `/${name}`;
    url = server.toString();
    cleanup = async () => { await admin.query(`DROP DATABASE IF EXISTS \`${name}\``); await admin.end(); };
  }
  const db: Database = await openDatabase(url);
  await migrate(db);
  const bare = dialect === 'sqlite' ? await bareSqlite(url.slice('sqlite:'.length)) : await bareMysql(url);
  try {
    console.log(`\n[${dialect}] ${ROWS.toLocaleString('en')} readings of ${PATIENTS.toLocaleString('en')} patients`);
    // Bulk load: drop the secondary indexes, load, then build them once (the usual way to load a table fast).
    let start = performance.now();
    const q = dialect === 'sqlite' ? '"' : '`';
    const indexes = (await db.sequelize.getQueryInterface().showIndex('observations') as Array<{ name: string; primary?: boolean; fields: Array<{ attribute: string }> }>)
      .filter((i) => !i.primary && i.name !== 'PRIMARY' && !i.name.startsWith('sqlite_autoindex'));
    for (const index of indexes) await db.sequelize.getQueryInterface().removeIndex('observations', index.name);
    const batch = 50_000;
    for (let n = 0; n < ROWS; n += batch) {
      const rows: unknown[][] = [];
      for (let k = n; k < Math.min(ROWS, n + batch); k++) rows.push(row(dialect, k));
      await bare.insert(rows);
    }
    for (const index of indexes) {
      await db.sequelize.query(`CREATE INDEX ${q}${index.name}${q} ON observations (${index.fields.map((f) => `${q}${f.attribute}${q}`).join(', ')})`);
    }
    const bulkSeconds = (performance.now() - start) / 1000;
    console.log(`  bulk load, bare INSERT + index build ${rate(ROWS, bulkSeconds)} (${bulkSeconds.toFixed(1)} s)`);

    start = performance.now();
    for (let n = 0; n < ORM_ROWS; n += 1000) {
      const objects = Array.from({ length: Math.min(1000, ORM_ROWS - n) }, (_, k) => reading(ROWS + n + k));
      await db.transaction((tx) => db.models.Observation.bulkCreate(objects, { transaction: tx }));
    }
    const ormSeconds = (performance.now() - start) / 1000;
    console.log(`  ORM ingest, bulkCreate (${ORM_ROWS.toLocaleString('en')})       ${rate(ORM_ROWS, ormSeconds)}`);

    const caller: Caller = { userId: 'bench', role: 'patient', patientId: patientId(0), practitionerId: null, organizationId: null, scopes: ['patient/*.write'], ip: null, requestId: 'bench' };
    start = performance.now();
    for (let i = 0; i < USE_CASE_READINGS; i++) {
      await submitReading(db, caller, patientId(0), {
        code: '8867-4', value: 60 + (i % 40), unit: '/min', effectiveAt: new Date(NOW - i * 60_000).toISOString(), entryMethod: 'device',
      }, 15);
    }
    const useCaseSeconds = (performance.now() - start) / 1000;
    console.log(`  per-reading use case (${USE_CASE_READINGS})          ${Math.round(USE_CASE_READINGS / useCaseSeconds)} readings/s (one transaction each)`);

    const sql = `SELECT * FROM observations WHERE ${q}patientId${q} = ? AND ${q}code${q} = ? AND ${q}effectiveAt${q} >= ? AND ${q}effectiveAt${q} < ? ORDER BY ${q}effectiveAt${q} DESC LIMIT 100`;
    const pick = (i: number) => ({ patient: patientId((i * 7_753) % PATIENTS), code: CODES[i % CODES.length].code, from: new Date(NOW - 90 * DAY), to: new Date(NOW + DAY) });
    const params = (i: number) => { const p = pick(i); return [p.patient, p.code, storedTime(dialect, p.from), storedTime(dialect, p.to)]; };

    const check = pick(1);
    const orm = await db.models.Observation.count({ where: { patientId: check.patient, code: check.code, effectiveAt: { [Op.gte]: check.from, [Op.lt]: check.to } } });
    const raw = (await bare.query(sql, params(1))).length;
    if (orm !== raw) throw new Error(`ORM and bare SQL disagree: ${orm} vs ${raw} rows`);
    const plan = await bare.query(`${dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN'} ${sql}`, params(1));
    console.log(`  plan: ${JSON.stringify(plan.map((p) => (p as { detail?: string; key?: string }).detail ?? (p as { key?: string }).key))}  (${raw} rows for the sample patient)`);

    await timeEach(200, (i) => bare.query(sql, params(i)));
    const bareSearch = await timeEach(SEARCHES, (i) => bare.query(sql, params(i)));
    const ormSearch = await timeEach(SEARCHES, (i) => {
      const p = pick(i);
      return db.models.Observation.findAll({ where: { patientId: p.patient, code: p.code, effectiveAt: { [Op.gte]: p.from, [Op.lt]: p.to } }, order: [['effectiveAt', 'DESC']], limit: 100 });
    });
    console.log(`  search, bare SQL    p50 ${ms(bareSearch.p50)}  p95 ${ms(bareSearch.p95)}  (${SEARCHES} searches)`);
    console.log(`  search, Sequelize   p50 ${ms(ormSearch.p50)}  p95 ${ms(ormSearch.p95)}`);
  } finally {
    await bare.close();
    await db.close();
    await cleanup();
  }
}

for (const dialect of DIALECTS) await benchDialect(dialect);
