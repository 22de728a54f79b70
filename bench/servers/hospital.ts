/**
 * Our node for the FHIR comparison (bench/fhir-vs-medplum.ts), in its own process: the real app (buildApp) on a
 * fresh database (SQLite in a temp folder, or the empty one BENCH_DATABASE_URL names), migrated and seeded with
 * the demo hospital, rate limits off, the R4 validation thread warmed as server/main.ts does.
 */
import '../support/as-in-production.js';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { openDatabase } from '../../db/connection.js';
import { appendRows } from '../../db/insert.js';
import type { LookupModelName } from '../../db/models/fhir-repository.js';
import { migrate } from '../../db/migrate.js';
import { seedDemoHospital } from '../../db/seeds/demo-hospital.js';
import { seedRecords } from '../../db/seeds/seed-records.js';
import { buildApp } from '../../server/app.js';
import { generateSigningKey, keyRing } from '../../server/auth/keys.js';
import { grantScopes } from '../../server/auth/scopes.js';
import { loadConfig } from '../../server/config.js';
import * as records from '../../server/fhir/repository/records.js';
import { lookupRowsOf, type LookupRows } from '../../server/fhir/repository/index-rows.js';
import { warmUpValidation } from '../../server/fhir/r4-validation-thread.js';
import { serveParent } from '../support/child-server.js';
import { patientOf, relatedPersonOf, type WorkloadType } from '../support/fhir-workload.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hospital-vs-medplum-'));
const databaseUrl = process.env.BENCH_DATABASE_URL || `sqlite:${path.join(dir, 'bench.db')}`;
const config = loadConfig({ NODE_ENV: 'development', DATABASE_URL: databaseUrl, DEMO_PASSWORD: 'bench-password', LOG_LEVEL: 'warn' });
config.rateLimits = { ...config.rateLimits, apiPerMinute: 0 };
const db = await openDatabase(databaseUrl, { transactionTimeoutMs: config.transactionTimeoutMs });
await migrate(db);
await seedDemoHospital(db, 'bench-password');
const { app, node } = buildApp({ config, db, keys: keyRing([generateSigningKey()]) });
await warmUpValidation();

async function tokenOf(email: string): Promise<string> {
  const user = await db.models.User.findOne({ where: { email }, rejectOnEmpty: true });
  return node.tokens.issueAccessToken({
    sub: user.id, role: user.role, patient: user.patientId, practitioner: user.practitionerId, org: user.organizationId,
    scope: grantScopes(user.role, undefined).join(' '),
  });
}
const alice = await db.models.User.findOne({ where: { email: 'alice@demo.test' }, rejectOnEmpty: true });

/**
 * Beyond the first DISTINCT RelatedPersons, the seed repeats their content (and lookup rows) under new ids: the
 * FHIRPath evaluation of the lookup rows (about 1 ms a resource) would make 100,000 of them a 10-minute seed.
 * DISTINCT is a multiple of the 200 family names, so every name matches the same share of rows at every size.
 */
const DISTINCT = 1000;
const lookupCache = new Map<number, LookupRows>();
function lookupsOf(i: number): LookupRows {
  let rows = lookupCache.get(i);
  if (!rows) lookupCache.set(i, rows = lookupRowsOf({ ...relatedPersonOf(i, alice.patientId!), id: 'template' }));
  return rows;
}

/**
 * Patients as production stores a domain type (the row, then its resource, lookup rows and version 1 through the
 * records' bulk path, records.createdAll); RelatedPersons as the repository stores them.
 */
async function seed(type: WorkloadType, from: number, to: number): Promise<string[]> {
  const ids: string[] = [];
  // A resource writes about 20 rows and costs about 1 ms of FHIRPath for its lookup rows: 100 a transaction stays
  // well inside TRANSACTION_TIMEOUT_MS on MariaDB, on a loaded machine too.
  const CHUNK = 100;
  for (let start = from; start < to; start += CHUNK) {
    const end = Math.min(to, start + CHUNK);
    await db.transaction(async (tx) => {
      if (type === 'Patient') {
        const rows = [];
        for (let i = start; i < end; i++) {
          const p = patientOf(i);
          const id = crypto.randomUUID();
          ids.push(id);
          rows.push({ id, givenName: p.name![0].given![0], familyName: p.name![0].family!, birthDate: p.birthDate!, gender: p.gender!, phone: p.telecom![0].value!, email: null, timeZone: 'UTC' });
        }
        await records.createdAll(seedRecords(db, tx), 'Patient', await db.models.Patient.bulkCreate(rows, { transaction: tx, validate: false, hooks: false }));
        return;
      }
      // The rows repository.create writes (resource, lookups, version 1), appended in one INSERT per table.
      const resources = [];
      const versions = [];
      const lookups: Record<string, Record<string, unknown>[]> = {};
      for (let i = start; i < end; i++) {
        const id = crypto.randomUUID();
        const now = new Date();
        const stored = { ...relatedPersonOf(i % DISTINCT, alice.patientId!), id, meta: { versionId: '1', lastUpdated: now.toISOString() } };
        const content = JSON.stringify(stored);
        resources.push({ resourceType: 'RelatedPerson', id, versionId: 1, lastUpdated: now, deleted: false, content });
        versions.push({ resourceType: 'RelatedPerson', resourceId: id, versionId: 1, recordedAt: now, content });
        for (const [name, rows] of Object.entries(lookupsOf(i % DISTINCT))) (lookups[name] ??= []).push(...rows.map((row) => ({ ...row, resourceId: id })));
        ids.push(id);
      }
      await appendRows(db, db.models.FhirResource, resources, tx);
      await appendRows(db, db.models.ResourceVersion, versions, tx);
      for (const [name, rows] of Object.entries(lookups)) await appendRows(db, db.models[name as LookupModelName], rows, tx);
    });
  }
  return ids;
}

/** How long the event loop waited to run what was ready (ms), since the last call: a stall holds every request. */
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
function eventLoopDelay(): { p50: number; p99: number; max: number } {
  const ms = (ns: number) => Number((ns / 1e6).toFixed(1));
  const delay = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
  loopDelay.reset();
  return delay;
}

const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
await serveParent(async () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
  seed,
  eventLoopDelay,
  databaseUrl: () => databaseUrl,
  dialect: () => db.dialect,
  patientId: () => alice.patientId,
  practitionerId: async () => (await db.models.User.findOne({ where: { email: 'dr.chen@demo.test' }, rejectOnEmpty: true })).practitionerId,
  tokens: async () => ({ admin: await tokenOf('admin@demo.test'), doctor: await tokenOf('dr.chen@demo.test') }),
}, async () => {
  await new Promise((resolve) => { server.close(resolve); server.closeIdleConnections(); });
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
