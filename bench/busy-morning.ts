/**
 * The first busy morning (issue 11): doctors write Conditions through /fhir while patients read their visit,
 * send home readings and doctors search readings, at a fixed number of requests in flight (8, then 32). Prints,
 * for the app and for a bare audited-read baseline at the same concurrency: requests/s, p50/p99/max latency,
 * non-2xx answers and how many requests took longer than 5 s (the frozen node left most unanswered).
 * Run: npx tsx bench/busy-morning.ts   (BENCH_DATABASE_URL=mysql://…/empty_db for MariaDB)
 */
import './support/as-in-production.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { openDatabase } from '../db/connection.js';
import { migrate } from '../db/migrate.js';
import { seedDemoHospital } from '../db/seeds/demo-hospital.js';
import { seedDemoStory } from '../db/seeds/demo-story.js';
import { buildApp } from '../server/app.js';
import { warmUpValidation } from '../server/fhir/r4-validation-thread.js';
import { generateSigningKey, keyRing } from '../server/auth/keys.js';
import { grantScopes } from '../server/auth/scopes.js';
import { loadConfig } from '../server/config.js';
import { AUDIT_INSERT, bareDriver, bareExpress, listen } from './support/fhir-bench.js';
import { recordFigure } from './support/results.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hospital-morning-'));
const databaseUrl = process.env.BENCH_DATABASE_URL || `sqlite:${path.join(dir, 'morning.db')}`;
const config = { ...loadConfig({ NODE_ENV: 'development', DATABASE_URL: databaseUrl, DEMO_PASSWORD: 'bench', LOG_LEVEL: 'warn' }) };
config.rateLimits = { ...config.rateLimits, apiPerMinute: 0 };
const keys = keyRing([generateSigningKey()]);
const db = await openDatabase(databaseUrl, { transactionTimeoutMs: config.transactionTimeoutMs });
await migrate(db);
await seedDemoHospital(db, 'bench');
await seedDemoStory(db, keys, config);
const { app, node } = buildApp({ config, db, keys });
await warmUpValidation(); // as server/main.ts does at start

const tokenOf = async (email: string) => {
  const user = await db.models.User.findOne({ where: { email }, rejectOnEmpty: true });
  return node.tokens.issueAccessToken({
    sub: user.id, role: user.role, patient: user.patientId, practitioner: user.practitionerId, org: user.organizationId,
    scope: grantScopes(user.role, undefined).join(' '),
  });
};
const [alice, chen] = [await tokenOf('alice@demo.test'), await tokenOf('dr.chen@demo.test')];
const aliceId = (await db.models.User.findOne({ where: { email: 'alice@demo.test' }, rejectOnEmpty: true })).patientId!;
const visitId = (await db.models.Encounter.findOne({ where: { patientId: aliceId, encounterClass: 'VR' }, rejectOnEmpty: true })).id;

const condition = JSON.stringify({
  resourceType: 'Condition', subject: { reference: `Patient/${aliceId}` }, recordedDate: new Date().toISOString(),
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10', display: 'Essential (primary) hypertension' }] },
});
const reading = () => JSON.stringify({
  code: '85354-9', effectiveAt: new Date(Date.now() - crypto.randomInt(86_400_000)).toISOString(), entryMethod: 'typed',
  components: [{ code: '8480-6', value: 120 + crypto.randomInt(15), unit: 'mm[Hg]' }, { code: '8462-4', value: 80, unit: 'mm[Hg]' }],
});
const morning = [
  { method: 'POST' as const, path: '/fhir/Condition', token: chen, type: 'application/fhir+json', body: () => condition },
  { method: 'GET' as const, path: `/api/visits/${visitId}`, token: alice },
  { method: 'POST' as const, path: `/api/patients/${aliceId}/readings`, token: alice, type: 'application/json', body: reading },
  { method: 'GET' as const, path: `/fhir/Observation?patient=${aliceId}&_count=20`, token: chen },
];

const driver = await bareDriver(databaseUrl);
const baseline = bareExpress();
baseline.get('/visit/:id', async (req, res) => {
  const [row] = await driver.query('SELECT * FROM encounters WHERE id = ?', [req.params.id]);
  await driver.query(AUDIT_INSERT, [driver.date(new Date()), 'R', 'read', '0', 'bench', 'patient', 'Encounter', req.params.id, aliceId, req.ip, 'bench', null]);
  res.json(row);
});

async function run(url: string, connections: number, kinds: typeof morning) {
  let next = 0;
  const result = await autocannon({
    url, connections, duration: SECONDS, timeout: 30,
    requests: [{
      setupRequest: (request) => {
        const kind = kinds[next++ % kinds.length];
        return {
          ...request, method: kind.method, path: kind.path, body: kind.body?.(),
          headers: { authorization: `Bearer ${kind.token}`, ...(kind.type ? { 'content-type': kind.type } : {}) },
        };
      },
    }],
  });
  const over5s = result.latency.max > 5000 ? '(some)' : 0;
  recordFigure({
    case: `busy morning, ${connections} in flight`, server: kinds === morning ? 'ours' : 'bare', requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts,
  });
  return `${result.requests.average.toFixed(0).padStart(6)} req/s  p50 ${String(result.latency.p50).padStart(4)} ms  p99 ${String(result.latency.p99).padStart(5)} ms`
    + `  max ${String(result.latency.max).padStart(5)} ms  non-2xx ${result.non2xx}  errors ${result.errors}  timeouts ${result.timeouts}  >5 s ${over5s}`;
}

console.log(`busy-morning on ${db.dialect}, ${SECONDS} s per run`);
// One server at a time, each settled before the next starts. autocannon drops the requests in flight when it
// stops, and their handlers run on; in one process, the app's SQLite writer and the bare driver's (two
// writers, as two processes on one file would be) must not overlap, or each waits in SQLite's busy handler on
// libuv threads the other needs to commit.
async function measured(server: typeof app, kinds: typeof morning, connections: number): Promise<string> {
  const served = await listen(server);
  try {
    return await run(served.url, connections, kinds);
  } finally {
    await served.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await db.transaction(async () => undefined); // behind every transaction the app still has queued
  }
}
for (const connections of [8, 32]) {
  console.log(`  ${String(connections).padStart(2)} in flight  app (4 kinds)       ${await measured(app, morning, connections)}`);
  console.log(`  ${String(connections).padStart(2)} in flight  bare audited read   ${await measured(baseline, [{ method: 'GET', path: `/visit/${visitId}`, token: alice }], connections)}`);
}
await driver.close();
await db.close();
fs.rmSync(dir, { recursive: true, force: true });
