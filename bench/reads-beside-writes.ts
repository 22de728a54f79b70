/**
 * Reads beside writes (docs/performance.md "Reads beside writes"): a doctor's reads by id of RelatedPersons on our
 * node (bench/servers/hospital.ts, its own process), first alone (the baseline of the same run), then while creates
 * stream in on as many connections, then while a seed writes RelatedPersons 100 to a transaction (the shape of an
 * import). A read's audit event is committed before it answers, and on SQLite every commit takes the one writer:
 * this shows what the writes cost the reads. Also prints the event loop delay during each figure and, on SQLite,
 * the largest WAL seen (the WAL must start over, db/sqlite-checkpoints.ts).
 * Run: npx tsx bench/reads-beside-writes.ts   (BENCH_DATABASE_URL=mysql://…/<empty database> for MariaDB;
 * BENCH_SECONDS, BENCH_CONNECTIONS per load, BENCH_SEED_TO how many RelatedPersons the seed reaches)
 */
import './support/as-in-production.js';
import fs from 'node:fs';
import { startChildServer, withEventLoopDelay } from './support/child-server.js';
import { relatedPersonOf } from './support/fhir-workload.js';
import { load, recordFigure, type Figure, type LoadRequest } from './support/results.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SEED_TO = Number(process.env.BENCH_SEED_TO ?? 20_000);

const ours = await startChildServer('hospital.ts');
const dialect = await ours.call<string>('dialect');
const { doctor } = await ours.call<{ admin: string; doctor: string }>('tokens');
const patientId = await ours.call<string>('patientId');
const ids = await ours.call<string[]>('seed', 'RelatedPerson', 0, 1_000);
const headers = { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', authorization: `Bearer ${doctor}` };
console.log(`reads-beside-writes on ${dialect}: ${CONNECTIONS} connections a load × ${SECONDS} s`);

let n = 0;
const read = (): LoadRequest => ({ method: 'GET', path: `/fhir/RelatedPerson/${ids[n++ % ids.length]}`, headers });
let m = 0;
const create = (): LoadRequest => {
  const resource = relatedPersonOf(m++, patientId);
  resource.name![0].family = 'Created';
  return { method: 'POST', path: '/fhir/RelatedPerson', body: JSON.stringify(resource), headers: { ...headers, prefer: 'return=minimal' } };
};

await load('warm-up', 'ours', ours.url, read, CONNECTIONS, 3);
const figures: Figure[] = [];
figures.push(await withEventLoopDelay(ours, 'reads alone', () => load('reads alone', 'ours', ours.url, read, CONNECTIONS, SECONDS)));
await withEventLoopDelay(ours, 'reads beside creates', () => Promise.all([
  load('reads beside creates', 'ours', ours.url, read, CONNECTIONS, SECONDS).then((figure) => figures.push(figure)),
  load('creates beside reads', 'ours', ours.url, create, CONNECTIONS, SECONDS),
]));

// The seed runs in our node, 100 resources a transaction, while the reads go on; on SQLite the WAL is watched.
const databaseUrl = await ours.call<string>('databaseUrl');
const wal = databaseUrl.startsWith('sqlite:') ? `${databaseUrl.slice('sqlite:'.length)}-wal` : undefined;
let largestWal = 0;
const watching = wal && setInterval(() => {
  if (fs.existsSync(wal)) largestWal = Math.max(largestWal, fs.statSync(wal).size);
}, 100);
const seedStarted = Date.now();
await withEventLoopDelay(ours, 'reads beside a seed', async () => {
  const reading = load(`reads beside a seed to ${SEED_TO.toLocaleString('en')}`, 'ours', ours.url, read, CONNECTIONS, SECONDS);
  await ours.call('seed', 'RelatedPerson', 1_000, SEED_TO);
  const seconds = (Date.now() - seedStarted) / 1000;
  console.log(`  ${`seed to ${SEED_TO.toLocaleString('en')} RelatedPersons beside the reads`.padEnd(44)} ours     ${seconds.toFixed(1)} s`);
  recordFigure({ case: `seed to ${SEED_TO} RelatedPersons beside reads`, server: 'ours', value: Number(seconds.toFixed(1)), unit: 's' });
  figures.push(await reading);
});
if (watching) {
  clearInterval(watching);
  console.log(`  ${'largest WAL during the run'.padEnd(44)} ours     ${(largestWal / 1048576).toFixed(1)} MiB`);
  recordFigure({ case: 'largest WAL during the seed', server: 'ours', value: Number((largestWal / 1048576).toFixed(1)), unit: 'MiB' });
}

const [alone, besideCreates, besideSeed] = figures.map((figure) => figure.requestsPerSecond ?? NaN);
console.log(`\n  reads beside creates / reads alone: ${(besideCreates / alone).toFixed(3)}; beside a seed / alone: ${(besideSeed / alone).toFixed(3)}`);
await ours.stop();
if (figures.some((figure) => figure.non2xx || figure.errors)) throw new Error('Some reads were not answered 2xx: the figures do not count.');
