/**
 * Issue 12's FHIR workload against Medplum's engine in the same run (docs/performance.md "Beside Medplum"):
 * @medplum/fhir-router 4.5.2 with its MemoryRepository behind Express, our node (the real app on a fresh database,
 * demo seed), and a bare audited baseline on the same database (bench/servers/bare.ts), each in its own process.
 * For Patient (a domain type here) and RelatedPerson (a repository-served type of the same shape): seed 1,000;
 * 16 connections × 10 s of read by id, `?name=` search and create; search again at 10,000; ours and the bare
 * baseline at 100,000. Then both Synthea Bundles are imported into Medplum and into ours. Prints req/s,
 * p50/p97.5/p99, RSS, and the ratios against the issue's targets.
 * Run: npx tsx bench/fhir-vs-medplum.ts   (BENCH_DATABASE_URL=mysql://…/<empty database> for MariaDB;
 * BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_LARGE=0 skips the 100,000 step, SYNTHEA_DIR where the Bundles are)
 */
import './support/as-in-production.js';
import {
  createDirectory, directoryEntriesOf, directoryResource, SYNTHEA_DIR as PROJECT_SYNTHEA_DIR, syntheaRecords, type AdminCall,
} from '../test/support/synthea.js';
import { startChildServer, withEventLoopDelay, type ChildServer } from './support/child-server.js';
import { requireStored } from './support/fhir-bench.js';
import { namePaths, patientOf, relatedPersonOf, type WorkloadType } from './support/fhir-workload.js';
import { load, recordFigure, recordRatio, type Figure, type LoadRequest } from './support/results.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const LARGE = process.env.BENCH_LARGE !== '0';
// The project's own copy of the Synthea records (test/fixtures/synthea, with their provenance).
const SYNTHEA_DIR = process.env.SYNTHEA_DIR ?? PROJECT_SYNTHEA_DIR;

const ours = await startChildServer('hospital.ts');
const medplum = await startChildServer('medplum.ts');
// Access tokens expire (ACCESS_TOKEN_TTL): fresh ones before each figure, as a client would refresh them.
let tokens = await ours.call<{ admin: string; doctor: string }>('tokens');
const bare = await startChildServer('bare.ts', {
  BENCH_DATABASE_URL: await ours.call<string>('databaseUrl'), BENCH_PRACTITIONER_ID: await ours.call<string>('practitionerId'),
});
const dialect = await ours.call<string>('dialect');
const ourPatient = await ours.call<string>('patientId');
const medplumPatient = (await medplum.call<string[]>('seed', 'Patient', 0, 0), await medplum.call<string>('patientId'));
console.log(`fhir-vs-medplum on ${dialect}: ${CONNECTIONS} connections × ${SECONDS} s per figure`);

/** Who may do the workload on each type in our node: an admin administers patients; a doctor writes the rest. */
const tokenFor = (type: WorkloadType) => (type === 'Patient' ? tokens.admin : tokens.doctor);
const fhirJson = { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' };
const headersOf = (server: ChildServer, type: WorkloadType) => (server === medplum ? fhirJson : { ...fhirJson, authorization: `Bearer ${tokenFor(type)}` });
const rotate = (paths: string[], server: ChildServer, type: WorkloadType) => {
  let n = 0;
  return (): LoadRequest => ({ method: 'GET', path: paths[n++ % paths.length], headers: headersOf(server, type) });
};
const creating = (server: ChildServer, type: WorkloadType) => {
  let n = 0;
  const patientId = server === medplum ? medplumPatient : ourPatient;
  return (): LoadRequest => {
    const resource = type === 'Patient' ? patientOf(n++) : relatedPersonOf(n++, patientId);
    resource.name![0].family = 'Created'; // outside the searched names, so the search figures stay comparable
    return { method: 'POST', path: `/fhir/${type}`, body: JSON.stringify(resource), headers: { ...headersOf(server, type), prefer: 'return=minimal' } };
  };
};

const figures: Record<string, Figure> = {};
/** Figures with an answer other than 2xx: they do not count, and the run fails at its end (after the other figures). */
const failed: string[] = [];
async function measured(key: string, kase: string, name: string, server: ChildServer, next: () => LoadRequest) {
  tokens = await ours.call<{ admin: string; doctor: string }>('tokens');
  figures[key] = await load(kase, name, server.url, next, CONNECTIONS, SECONDS);
  const { non2xx, errors } = figures[key];
  if (non2xx || errors) {
    failed.push(`${kase} (${name}): ${non2xx} non-2xx, ${errors} errors`);
    console.log(`  NOT EVERY ANSWER WAS A 2xx: ${failed.at(-1)}`);
  }
  return figures[key];
}

const seeded: Record<string, { ours: string[]; medplum: string[] }> = {};
async function seedTo(type: WorkloadType, count: number, withMedplum: boolean) {
  const have = seeded[type] ??= { ours: [], medplum: [] };
  const started = Date.now();
  have.ours.push(...await ours.call<string[]>('seed', type, have.ours.length, count));
  if (withMedplum) have.medplum.push(...await medplum.call<string[]>('seed', type, have.medplum.length, count));
  console.log(`  seeded ${count.toLocaleString('en')} ${type} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

const types: WorkloadType[] = ['Patient', 'RelatedPerson'];
for (const type of types) {
  console.log(`\n${type}`);
  await seedTo(type, 1_000, true);
  // The first one seeded is workload item 0, the only one with its given name (Ana0).
  await requireStored(ours.url, headersOf(ours, type), `/fhir/${type}/${seeded[type].ours[0]}`, `/fhir/${type}?name=${patientOf(0).name![0].given![0]}`);
  const readCase = `read by id, ${type}, 1,000`;
  await measured(`read ${type} medplum`, readCase, 'medplum', medplum, rotate(seeded[type].medplum.map((id) => `/fhir/${type}/${id}`), medplum, type));
  await measured(`read ${type} ours`, readCase, 'ours', ours, rotate(seeded[type].ours.map((id) => `/fhir/${type}/${id}`), ours, type));
  await measured(`read ${type} bare`, readCase, 'bare', bare, rotate(seeded[type].ours.map((id) => `/fhir/${type}/${id}`), bare, type));
  for (const [count, withMedplum] of [[1_000, true], [10_000, true], ...(LARGE ? [[100_000, false]] : [])] as Array<[number, boolean]>) {
    if (count > 1_000) await seedTo(type, count, withMedplum);
    const kase = `${type}?name=, ${count.toLocaleString('en')}`;
    if (withMedplum) await measured(`search ${type} ${count} medplum`, kase, 'medplum', medplum, rotate(namePaths(type), medplum, type));
    await measured(`search ${type} ${count} ours`, kase, 'ours', ours, rotate(namePaths(type), ours, type));
    await measured(`search ${type} ${count} bare`, kase, 'bare', bare, rotate(namePaths(type), bare, type));
    if (count === 1_000) {
      await measured(`create ${type} medplum`, `create, ${type}`, 'medplum', medplum, creating(medplum, type));
      // A create's COMMIT runs on the event loop; what it waits for there (WAL checkpoints, db/sqlite-checkpoints.ts) every request waits for.
      await withEventLoopDelay(ours, `our creates, ${type}`, () => measured(`create ${type} ours`, `create, ${type}`, 'ours', ours, creating(ours, type)));
    }
  }
}

/** Both Synthea Bundles, POSTed to /fhir one after the other, after the directory entries they reference exist (test/support/synthea.ts). */
async function importSynthea(server: ChildServer): Promise<Figure> {
  tokens = await ours.call<{ admin: string; doctor: string }>('tokens');
  const records = syntheaRecords(SYNTHEA_DIR);
  const files = records.map((r) => r.file);
  const bundles = records.map((r) => r.text);
  const directory = directoryEntriesOf(records);
  if (server === medplum) {
    for (const entry of directory) await medplum.call('createResource', directoryResource(entry));
  } else {
    const asAdmin: AdminCall = async (method, url, body) => {
      const contentType = url.startsWith('/fhir') ? fhirJson['content-type'] : 'application/json';
      const headers = { ...fhirJson, 'content-type': contentType, authorization: `Bearer ${tokens.admin}` };
      const res = await fetch(`${server.url}${url}`, { method, body: JSON.stringify(body), headers });
      return { status: res.status, body: await res.json() as Record<string, unknown> };
    };
    await createDirectory(asAdmin, directory);
  }
  const entries = records.reduce((sum, record) => sum + record.bundle.entry!.length, 0);
  const started = process.hrtime.bigint();
  const statuses: number[] = [];
  for (const body of bundles) {
    const res = await fetch(`${server.url}/fhir`, { method: 'POST', body, headers: server === medplum ? fhirJson : { ...fhirJson, authorization: `Bearer ${tokens.doctor}` } });
    statuses.push(res.status);
    if (res.status !== 200) console.log(`  Synthea import answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    else await res.arrayBuffer();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const figure: Figure = { case: `Synthea import (${files.length} Bundles, ${entries} entries)`, server: server === medplum ? 'medplum' : 'ours',
    value: Number((statuses.every((s) => s === 200) ? entries / seconds : 0).toFixed(1)), unit: 'resources/s', non2xx: statuses.filter((s) => s !== 200).length };
  console.log(`  ${figure.case.padEnd(44)} ${figure.server.padEnd(8)} ${figure.value} resources/s (${seconds.toFixed(2)} s, answers ${statuses.join(', ')})`);
  recordFigure(figure);
  return figure;
}
console.log('\nSynthea');
const syntheaMedplum = await importSynthea(medplum);
const syntheaOurs = await importSynthea(ours);

console.log('\nMemory after the run');
const memory: Record<string, Awaited<ReturnType<ChildServer['memory']>>> = {};
for (const [name, server] of [['ours', ours], ['medplum', medplum], ['bare', bare]] as const) {
  memory[name] = await server.memory();
  console.log(`  ${name.padEnd(8)} RSS ${memory[name].rssMiB} MiB, peak ${memory[name].peakRssMiB} MiB`);
  recordFigure({ case: 'memory after the run', server: name, rssMiB: memory[name].rssMiB, peakRssMiB: memory[name].peakRssMiB });
}

console.log('\nAgainst the targets of issue 12');
const rate = (key: string) => figures[key]?.requestsPerSecond ?? NaN;
const ratios = [];
for (const type of types) {
  ratios.push(recordRatio(`read ${type}: ours / bare audited read`, rate(`read ${type} ours`) / rate(`read ${type} bare`), '≥ 0.9', (v) => v >= 0.9));
  ratios.push(recordRatio(`read ${type}: ours / Medplum`, rate(`read ${type} ours`) / rate(`read ${type} medplum`), '≥ 0.45', (v) => v >= 0.45));
  ratios.push(recordRatio(`create ${type}: ours / Medplum`, rate(`create ${type} ours`) / rate(`create ${type} medplum`), '≥ 0.3', (v) => v >= 0.3));
  ratios.push(recordRatio(`search ${type} at 10,000: ours / Medplum`, rate(`search ${type} 10000 ours`) / rate(`search ${type} 10000 medplum`), '≥ 10', (v) => v >= 10));
  if (LARGE) {
    ratios.push(recordRatio(`search ${type} at 100,000: ours / bare SQL`, rate(`search ${type} 100000 ours`) / rate(`search ${type} 100000 bare`), '≥ 0.5', (v) => v >= 0.5));
    ratios.push(recordRatio(`search ${type} at 100,000: ours p99 (ms)`, figures[`search ${type} 100000 ours`].p99!, '< 50', (v) => v < 50));
  }
}
ratios.push(recordRatio('Synthea import: ours / Medplum', syntheaOurs.value! / syntheaMedplum.value!, '≥ 0.5', (v) => v >= 0.5));
ratios.push(recordRatio('RSS after the run: ours / Medplum', memory.ours.rssMiB / memory.medplum.rssMiB, '≤ 1', (v) => v <= 1));
for (const r of ratios) console.log(`  ${r.name.padEnd(48)} ${String(r.value).padStart(8)}  target ${r.target.padEnd(6)} ${r.meets ? 'met' : 'MISSED'}`);
const syntheaFailed = [syntheaMedplum, syntheaOurs].filter((figure) => figure.non2xx).map((figure) => `${figure.case} (${figure.server}): ${figure.non2xx} non-2xx`);
failed.push(...syntheaFailed);

await bare.stop();
await medplum.stop();
await ours.stop();
if (failed.length > 0) throw new Error(`Figures with answers other than 2xx do not count:\n  ${failed.join('\n  ')}`);
