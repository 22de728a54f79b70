/**
 * Shared set-up of the FHIR benchmarks: a database with 100,000 Observations stored as production stores them
 * (rows and their resources, lookup rows and version 1 through the records' bulk path), the real app, and a bare
 * baseline (plain Express + the same driver + the same SQL, and the same audit row, group-committed) to compare with.
 */
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import express, { type Express, type Request } from 'express';
import mysql from 'mysql2/promise';
import type { Model } from 'sequelize';
import { openDatabase, type Database } from '../../db/connection.js';
import { SqliteReader } from '../../db/sqlite-reader.js';
import { migrate } from '../../db/migrate.js';
import { seedDemoHospital } from '../../db/seeds/demo-hospital.js';
import { seedRecords } from '../../db/seeds/seed-records.js';
import { buildApp } from '../../server/app.js';
import { generateSigningKey, keyRing } from '../../server/auth/keys.js';
import { grantScopes } from '../../server/auth/scopes.js';
import { loadConfig } from '../../server/config.js';
import * as records from '../../server/fhir/repository/records.js';
import { recordFigure, recordRatio, statusesOf } from './results.js';

export const OBSERVATIONS = Number(process.env.BENCH_OBSERVATIONS ?? 100_000);
export const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PATIENTS = 100;
/** Rows stored a transaction while seeding: their lookup rows (about 1 ms a resource) stay far inside TRANSACTION_TIMEOUT_MS. */
const SEED_CHUNK = 500;
const CODES = [['8867-4', 'Heart rate', '/min'], ['8480-6', 'Systolic blood pressure', 'mm[Hg]'],
  ['8462-4', 'Diastolic blood pressure', 'mm[Hg]'], ['29463-7', 'Body weight', 'kg']] as const;
export const SINCE = new Date('2025-01-01T00:00:00Z');

export interface BenchHospital {
  db: Database;
  databaseUrl: string;
  app: Express;
  patientId: string;
  token: string;
  /** Ids of the bench patient's Observations, for reads by id. */
  observationIds: string[];
  close(): Promise<void>;
}

/** A fresh database (SQLite in a temp dir unless BENCH_DATABASE_URL says otherwise), migrated, seeded, filled. */
export async function benchHospital(): Promise<BenchHospital> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hospital-bench-'));
  // A MySQL/MariaDB database given here must be empty: each benchmark adds its 100,000 rows.
  const databaseUrl = process.env.BENCH_DATABASE_URL || `sqlite:${path.join(dir, 'bench.db')}`;
  const config = loadConfig({ NODE_ENV: 'development', DATABASE_URL: databaseUrl, DEMO_PASSWORD: 'bench-password', LOG_LEVEL: 'warn' });
  // One patient token makes every request: the per-account limit (1,200 a minute) would answer most of them 429.
  config.rateLimits = { ...config.rateLimits, apiPerMinute: 0 };
  const db = await openDatabase(databaseUrl, { transactionTimeoutMs: config.transactionTimeoutMs });
  await migrate(db);
  await seedDemoHospital(db, 'bench-password');
  const alice = await db.models.User.findOne({ where: { email: 'alice@demo.test' }, rejectOnEmpty: true });
  const patientId = alice.patientId!;
  const started = Date.now();
  const observationIds = await fill(db, patientId);
  console.log(`seeded ${OBSERVATIONS} Observations in ${((Date.now() - started) / 1000).toFixed(1)} s (${db.dialect})`);
  const { app, node } = buildApp({ config, db, keys: keyRing([generateSigningKey()]) });
  const token = node.tokens.issueAccessToken({
    sub: alice.id, role: 'patient', patient: patientId, practitioner: null, org: null, scope: grantScopes('patient', undefined).join(' '),
  });
  return {
    db, databaseUrl, app, patientId, token, observationIds,
    async close() {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Rows written as a use case writes them: the row, then its stored resource (records.createdAll) in the same transaction. */
async function storeAll(db: Database, type: 'Patient' | 'Observation', rows: Array<Record<string, unknown>>): Promise<void> {
  const Rows = db.models[type] as unknown as { bulkCreate(rows: object[], options: object): Promise<Model[]> };
  for (let i = 0; i < rows.length; i += SEED_CHUNK) {
    const chunk = rows.slice(i, i + SEED_CHUNK);
    await db.transaction(async (tx) => records.createdAll(seedRecords(db, tx), type, await Rows.bulkCreate(chunk, { transaction: tx, validate: false, hooks: false })));
  }
}

async function fill(db: Database, benchPatientId: string): Promise<string[]> {
  const patients = [benchPatientId];
  const others = [];
  for (let i = 1; i < PATIENTS; i++) {
    const id = crypto.randomUUID();
    patients.push(id);
    others.push({ id, givenName: `Bench${i}`, familyName: 'Patient', birthDate: null, gender: 'unknown', phone: null, email: null, timeZone: 'UTC' });
  }
  await storeAll(db, 'Patient', others);
  const mine: string[] = [];
  const span = 2 * 365 * 86_400_000;
  const base = SINCE.getTime() - span / 2;
  const rows = [];
  for (let i = 0; i < OBSERVATIONS; i++) {
    const [code, display, unit] = CODES[i % CODES.length];
    const patientId = patients[Math.floor(i / CODES.length) % PATIENTS];
    const id = crypto.randomUUID();
    if (patientId === benchPatientId) mine.push(id);
    rows.push({
      id, patientId, encounterId: null, status: 'final' as const, category: 'vital-signs', codeSystem: 'http://loinc.org', code, display,
      effectiveAt: new Date(base + Math.floor((i / OBSERVATIONS) * span)), valueNumber: 60 + (i % 60), valueUnit: unit, components: null,
      entryMethod: 'device' as const, deviceName: null, diagnosticReportId: null, source: null, versionId: 1,
    });
  }
  await storeAll(db, 'Observation', rows);
  return mine;
}

/** The same driver the app uses, without Sequelize: `query(sql, params)` → rows. */
export interface BareDriver {
  query(sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** Dates as the app's driver stores them (SQLite: Sequelize's text format; MySQL: DATETIME). */
  date(value: Date): unknown;
  close(): Promise<void>;
}

export async function bareDriver(databaseUrl: string): Promise<BareDriver> {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = path.resolve(databaseUrl.slice('sqlite:'.length));
    // A reading thread as ours (db/sqlite-reader.ts): its statements prepared once and run again, as db.select's.
    const db = new SqliteReader(file, 15_000);
    await db.ready();
    return {
      query: (sql, params) => new Promise((resolve, reject) => {
        db.all(sql, params, (e, rows) => (e ? reject(e) : resolve(rows as Array<Record<string, unknown>>)));
      }),
      date: (value) => value.toISOString().replace('T', ' ').replace('Z', ' +00:00'),
      close: () => new Promise((resolve) => db.close(() => resolve())),
    };
  }
  const pool = mysql.createPool({ uri: databaseUrl.replace(/^mariadb:/, 'mysql:'), connectionLimit: 10, timezone: 'Z' });
  return {
    query: async (sql, params) => (await pool.query(sql, params))[0] as Array<Record<string, unknown>>,
    date: (value) => value,
    close: () => pool.end(),
  };
}

/**
 * The audit row the app writes for every access, written by a baseline the way the app writes it: group-committed
 * through the node's one writer (db.appendCommitted), so on SQLite the baseline does not fight the app's
 * connection for the write lock (SQLITE_BUSY) and measures what an audited read costs, not lock waits.
 */
export function bareAudit(db: Database, req: Request, audited: { activity: 'read' | 'search'; role: string; type: string; id: string | null; patientId: string | null }) {
  return db.appendCommitted(db.models.AuditEvent, {
    recordedAt: new Date(), action: audited.activity === 'read' ? 'R' : 'E', activity: audited.activity, outcome: '0', actorUserId: 'bench',
    actorRole: audited.role, resourceType: audited.type, resourceId: audited.id, patientId: audited.patientId, sourceIp: req.ip, requestId: 'bench', detail: null,
  });
}

/** The audit insert the app writes for every access, as SQL for a baseline with its own writer (bench/busy-morning.ts). */
export const AUDIT_INSERT = 'INSERT INTO audit_events (recordedAt, action, activity, outcome, actorUserId, actorRole, resourceType, resourceId, patientId, sourceIp, requestId, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)';

export async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    // Waits for requests still in flight when autocannon stops, so the database is closed after them.
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeIdleConnections(); }),
  };
}

export function bareExpress(): Express {
  const app = express();
  app.disable('x-powered-by');
  return app;
}

export interface Measured {
  label: string; requestsPerSecond: number; p50: number; p99: number; errors: number; non2xx: number;
  statuses: Record<string, number>;
}

/** Runs autocannon against `url` with `paths` in rotation. */
export async function measure(label: string, url: string, token: string, paths: string[]): Promise<Measured> {
  let next = 0;
  const result = await autocannon({
    url, connections: CONNECTIONS, duration: DURATION_SECONDS,
    headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }],
  });
  return {
    label, requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99,
    errors: result.errors + result.timeouts, non2xx: result.non2xx,
    statuses: statusesOf(result),
  };
}

/**
 * A figure counts only when every answer was a 2xx: an error answers faster than a read, so a run with errors
 * (429s from a rate limit, 404s from a wrong id, timeouts from lock waits) would report a flattering rate.
 */
function failOnErrors(title: string, measured: Measured[]): void {
  const failed = measured.filter((m) => m.non2xx > 0 || m.errors > 0);
  if (failed.length === 0) return;
  const what = failed.map((m) => `${m.label}: ${m.non2xx} non-2xx, ${m.errors} errors, statuses ${JSON.stringify(m.statuses)}`);
  throw new Error(`${title}: not every answer was a 2xx, so the figures do not count (${what.join('; ')})`);
}

export function report(title: string, app: Measured, baseline: Measured): void {
  console.log(`\n${title} (${CONNECTIONS} connections, ${DURATION_SECONDS} s each)`);
  for (const m of [app, baseline]) {
    console.log(`  ${m.label.padEnd(28)} ${m.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${String(m.p50).padStart(4)} ms   p99 ${String(m.p99).padStart(4)} ms`
      + `   errors ${m.errors} non-2xx ${m.non2xx}   statuses ${JSON.stringify(m.statuses)}`);
  }
  console.log(`  ratio app/baseline: ${(app.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}`);
  for (const [server, m] of [['ours', app], ['bare', baseline]] as const) {
    recordFigure({ case: title, server, requestsPerSecond: Math.round(m.requestsPerSecond), p50: m.p50, p99: m.p99, non2xx: m.non2xx, errors: m.errors });
  }
  failOnErrors(title, [app, baseline]);
  recordRatio(`${title.split(':')[0]}: ours / bare`, app.requestsPerSecond / baseline.requestsPerSecond, 'report', () => true);
}

/**
 * Before measuring: a seeded resource read through /fhir is the stored one (meta.versionId, written by the records
 * or the repository, not a mapping of a bare row), and a `search` finds it through its lookup rows.
 */
export async function requireStored(url: string, headers: Record<string, string>, read: string, search: string): Promise<void> {
  const resource = await (await fetchOk(`${url}${read}`, headers)).json() as { id: string; meta?: { versionId?: string } };
  if (!resource.meta?.versionId) throw new Error(`${read} answered a resource without meta.versionId: it was not stored as production stores it`);
  const bundle = await (await fetchOk(`${url}${search}`, headers)).json() as { entry?: Array<{ resource: { id: string } }> };
  if (!bundle.entry?.some((entry) => entry.resource.id === resource.id)) throw new Error(`${search} did not find ${read}: its lookup rows are missing`);
}

async function fetchOk(url: string, headers: Record<string, string>): Promise<Response> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return res;
}
