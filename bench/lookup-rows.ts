/**
 * The lookup rows every write computes (server/fhir/repository/index-rows.ts `lookupRowsOf`), in CPU time per
 * resource, by type, over every entry of the Synthea records and the demo's Patient, reading and appointment
 * (test/support/lookup-rows.ts). Beside it, in the same run: the straightforward way (every parameter of the type
 * evaluated, the compartment evaluated again: what a write did before) and JSON.stringify of the same resource,
 * the bare floor of anything that walks it. CPU time (process.cpuUsage), not wall time: other processes share the
 * machine. No database: `npm run bench -- lookup` runs it once per dialect all the same.
 * Run: npx tsx bench/lookup-rows.ts   (BENCH_EVALUATIONS, default 8,000: the resources computed per figure, a
 * type's few resources passed over as often as it takes)
 */
import './support/as-in-production.js';
import type { LookupRows } from '../server/fhir/repository/index-rows.js';
import { lookupRowsOf } from '../server/fhir/repository/index-rows.js';
import { demoResources, lookupRowsByEveryParameter, syntheaResources, type StoredResource } from '../test/support/lookup-rows.js';
import { recordFigure, recordRatio } from './support/results.js';

const EVALUATIONS = Number(process.env.BENCH_EVALUATIONS ?? 8_000);
const resources = [...syntheaResources(), ...demoResources()];
const ways: Record<string, (resource: StoredResource) => LookupRows | string> = {
  ours: lookupRowsOf,
  'every parameter': lookupRowsByEveryParameter,
  'JSON.stringify': (resource) => JSON.stringify(resource),
};

/** CPU microseconds (user + system) per resource, over enough passes on `group` to compute `EVALUATIONS` of them. */
function cpuMicrosPerResource(way: (resource: StoredResource) => unknown, group: StoredResource[]): number {
  const passes = Math.ceil(EVALUATIONS / group.length);
  const before = process.cpuUsage();
  for (let pass = 0; pass < passes; pass++) for (const resource of group) way(resource);
  const spent = process.cpuUsage(before);
  return (spent.user + spent.system) / (passes * group.length);
}

// One untimed pass each: every type's parameters compiled, the code warmed up.
for (const way of Object.values(ways)) resources.forEach(way);

const types = [...new Set(resources.map((resource) => resource.resourceType))].sort();
const groups: Array<[string, StoredResource[]]> = [
  ...types.map((type): [string, StoredResource[]] => [type, resources.filter((resource) => resource.resourceType === type)]),
  ['every resource', resources],
];
console.log(`lookup rows: µs of CPU per resource, ${resources.length} resources, ${EVALUATIONS} computed per figure`);
console.log(`  ${'type'.padEnd(22)} ${'count'.padStart(5)} ${Object.keys(ways).map((w) => w.padStart(16)).join('')}`);
const all: Record<string, number> = {};
for (const [type, group] of groups) {
  const micros = Object.fromEntries(Object.entries(ways).map(([name, way]) => [name, cpuMicrosPerResource(way, group)]));
  console.log(`  ${type.padEnd(22)} ${String(group.length).padStart(5)} ${Object.values(micros).map((m) => m.toFixed(1).padStart(16)).join('')}`);
  for (const [server, value] of Object.entries(micros)) {
    recordFigure({ case: `lookup rows, ${type} (${group.length})`, server, value: Number(value.toFixed(1)), unit: 'µs CPU per resource' });
  }
  if (type === 'every resource') Object.assign(all, micros);
}
recordRatio('lookup rows: every parameter / ours (CPU per resource)', all['every parameter'] / all.ours, '≥ 2', (v) => v >= 2);
