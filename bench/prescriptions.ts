/**
 * bench/prescriptions: signature verifications per second (with the bare crypto.verify baseline in the same run)
 * and the $accept race (100 concurrent accepts per prescription: throughput, p50/p99, double dispenses).
 *   npx tsx bench/prescriptions.ts                  # SQLite
 *   BENCH_DB=mysql npx tsx bench/prescriptions.ts   # MariaDB at TEST_MYSQL_URL (default root@127.0.0.1:3306)
 *   BENCH_ROUNDS=10 BENCH_RACERS=100 BENCH_VERIFY=5000 …
 */
import './support/as-in-production.js';
import crypto from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import { generateSigningKey, keyRing } from '../server/auth/keys.js';
import { signDetached, verifyDetached } from '../server/prescriptions/signing.js';
import { dropCreatedDatabases, type TestDialect } from '../test/support/databases.js';
import { dispenseOf, parameters, readyPrescription } from '../test/support/prescriptions.js';
import { closeTestNodes, startTestNode } from '../test/support/test-node.js';

const dialect = (process.env.BENCH_DB ?? 'sqlite') as TestDialect;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const RACERS = Number(process.env.BENCH_RACERS ?? 100);
const VERIFICATIONS = Number(process.env.BENCH_VERIFY ?? 5000);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

function timed(label: string, n: number, work: () => void) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = Math.round(n / seconds);
  console.log(`${label.padEnd(48)} ${String(perSecond).padStart(8)} /s  (${n} in ${seconds.toFixed(2)} s)`);
  return perSecond;
}

function verificationBench() {
  const keys = keyRing([generateSigningKey()]);
  const content = {
    type: 'prescription', id: crypto.randomUUID(), number: 'RX-20260101-ABCDEF0123', issuer: 'https://hospital.example',
    prescriber: { id: crypto.randomUUID(), name: 'Wei Chen' }, patient: { id: crypto.randomUUID(), name: 'Alice Wang', birthDate: '1961-04-12' },
    lines: Array.from({ length: 5 }, (_, i) => ({ lineNo: i + 1, drug: { code: 'C09AA05', name: 'Ramipril', form: 'tablet', strength: '5 mg', route: 'oral' }, dose: '1 tablet', frequency: 'once daily', quantity: 28, supplyDays: 28 })),
  };
  const signed = signDetached(keys, content, 'prescription+json');
  const [header, , signature] = signed.jws.split('.');
  const input = Buffer.from(`${header}.${Buffer.from(signed.content).toString('base64url')}`);
  const sig = Buffer.from(signature, 'base64url');
  const jwks = keys.jwks();
  console.log(`\nSignature verification (ES256, ${signed.content.length}-byte canonical prescription, 5 lines)`);
  const bare = timed('baseline: bare crypto.verify (KeyObject ready)', VERIFICATIONS, () => {
    if (!crypto.verify('sha256', input, { key: keys.active.publicKey, dsaEncoding: 'ieee-p1363' }, sig)) throw new Error('bad');
  });
  const ours = timed('verifyDetached (parse JWS, find key, verify)', VERIFICATIONS, () => {
    if (!verifyDetached(signed.jws, signed.content, jwks).valid) throw new Error('bad');
  });
  console.log(`verifyDetached costs ${(bare / ours).toFixed(2)}× the bare verify`);
}

async function acceptRace() {
  const hospital = await startTestNode(dialect);
  const server = http.createServer(hospital.app).listen(0);
  const latencies: number[] = [];
  let wins = 0; let conflicts = 0; let other = 0; let doubleDispenses = 0;
  let raceSeconds = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const rx = await readyPrescription(hospital);
      const started = process.hrtime.bigint();
      const results = await Promise.all(Array.from({ length: RACERS }, async () => {
        const t0 = process.hrtime.bigint();
        const res = await request(server).post(`/fhir/Task/${rx.id}/$accept`).auth(rx.pharmacistToken, { type: 'bearer' }).send(parameters({ accessCode: rx.accessCode }));
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        return res;
      }));
      raceSeconds += Number(process.hrtime.bigint() - started) / 1e9;
      const winners = results.filter((r) => r.status === 200);
      wins += winners.length;
      conflicts += results.filter((r) => r.status === 409).length;
      other += results.filter((r) => r.status !== 200 && r.status !== 409).length;
      // Every winner tries to dispense: more than one dispense row per line would be a double dispense.
      await Promise.all(winners.map((w) => {
        const secret = (w.body.parameter as { name: string; valueString?: string }[]).find((p) => p.name === 'secret')!.valueString!;
        return request(server).post(`/fhir/Task/${rx.id}/$close`).auth(rx.pharmacistToken, { type: 'bearer' }).send(parameters({ secret }, [dispenseOf(rx.lines[0].id, 7)]));
      }));
      const dispensed = await hospital.db.models.MedicationDispense.count({ where: { prescriptionId: rx.id } });
      doubleDispenses += Math.max(0, dispensed - 1) + Math.max(0, winners.length - 1);
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  latencies.sort((a, b) => a - b);
  const total = ROUNDS * RACERS;
  console.log(`\n$accept race on ${dialect}: ${ROUNDS} prescriptions × ${RACERS} concurrent accepts over HTTP`);
  console.log(`  outcomes: ${wins} × 200, ${conflicts} × 409, ${other} other (expected ${ROUNDS} × 200)`);
  console.log(`  throughput: ${Math.round(total / raceSeconds)} accept requests/s`);
  console.log(`  latency: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms`);
  console.log(`  double dispenses: ${doubleDispenses}`);
  if (doubleDispenses !== 0 || wins !== ROUNDS) process.exitCode = 1;
}

verificationBench();
try {
  await acceptRace();
} finally {
  await closeTestNodes();
  await dropCreatedDatabases();
}
