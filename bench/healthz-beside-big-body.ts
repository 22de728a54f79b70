/**
 * Does a ~1 MB Observation stall the node? GET /healthz latency (p50/p99/max) while clients post ~1 MB
 * Observations in a loop (JSON parse, access, R4 validation, mapping, storage, answer), against a bare
 * baseline in the same run: the same /healthz with nothing else to do. Target: max within 100 ms of the
 * baseline's (docs/performance.md).
 * Run: npx tsx bench/healthz-beside-big-body.ts   (BENCH_DATABASE_URL=mysql://… for MariaDB)
 */
import './support/as-in-production.js';
import autocannon from 'autocannon';
import { recordFigure, recordRatio } from './support/results.js';

process.env.BENCH_OBSERVATIONS ??= '1000'; // the stored rows do not matter here, the body does
const { benchHospital, listen, DURATION_SECONDS } = await import('./support/fhir-bench.js');
const POSTERS = Number(process.env.BENCH_POSTERS ?? 2);

/** A blood-pressure-like Observation with coded components, just under BODY_LIMIT (1 MB): valid R4, storable. */
function bigObservation(patientId: string): string {
  const component = Array.from({ length: 8_800 }, (_, i) => ({
    code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 100 + (i % 60), unit: 'mm[Hg]' },
  }));
  return JSON.stringify({
    resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
    subject: { reference: `Patient/${patientId}` }, effectiveDateTime: new Date().toISOString(), component,
  });
}

async function healthz(label: string, url: string) {
  const result = await autocannon({ url: `${url}/healthz`, connections: 1, duration: DURATION_SECONDS });
  return { label, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, requests: result.requests.total, non2xx: result.non2xx };
}

const hospital = await benchHospital();
const app = await listen(hospital.app);
const body = bigObservation(hospital.patientId);
const post = () => fetch(`${app.url}/fhir/Observation`, {
  method: 'POST', body, headers: { authorization: `Bearer ${hospital.token}`, 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
}).then((res) => res.status);
console.log(`body ${(body.length / 1024).toFixed(0)} KiB; warm-up answer ${await post()}`); // starts the validation thread

const bare = await healthz('healthz alone (baseline)', app.url);
const statuses = new Map<number, number>();
let running = true;
const posters = Array.from({ length: POSTERS }, async () => {
  while (running) {
    const status = await post();
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
});
const loaded = await healthz(`healthz beside ${POSTERS} posting 1 MB`, app.url);
running = false;
await Promise.all(posters);

console.log(`\nhealthz-beside-big-body: ${hospital.db.dialect}, ${DURATION_SECONDS} s each, 1 healthz connection`);
for (const m of [loaded, bare]) {
  console.log(`  ${m.label.padEnd(34)} p50 ${String(m.p50).padStart(4)} ms   p99 ${String(m.p99).padStart(4)} ms   max ${String(m.max).padStart(4)} ms`
    + `   ${m.requests} requests, non-2xx ${m.non2xx}`);
}
console.log(`  1 MB Observations answered: ${[...statuses].map(([status, n]) => `${n} × ${status}`).join(', ')}`);
console.log(`  max over baseline: ${loaded.max - bare.max} ms (target ≤ 100 ms)`);
for (const [server, m] of [['ours', loaded], ['bare', bare]] as const) {
  recordFigure({ case: `${m.label}: /healthz`, server, requestsPerSecond: Math.round(m.requests / DURATION_SECONDS), p50: m.p50, p99: m.p99, non2xx: m.non2xx, value: m.max, unit: 'ms max' });
}
recordRatio('healthz max beside 1 MB posts − alone (ms)', loaded.max - bare.max, '≤ 100', (v) => v <= 100);
await app.close();
await hospital.close();
