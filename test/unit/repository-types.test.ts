import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A fresh process that imports billing first and searches before any FHIR router is built (a seed, a script):
 * what the registry then holds for a domain type, for Task (declared beside its dispensing operations) and for a
 * repository type.
 */
const BILLING_FIRST = `
const { searchAll } = await import('./server/billing/billing-records.ts');
const { definitionOf } = await import('./server/fhir/registry.ts');
await searchAll({}, 'NoSuchType', {}).catch(() => undefined);
const served = (type) => { const d = definitionOf(type); return { store: !!d?.store, operations: (d?.operations ?? []).map((o) => o.name).sort() }; };
console.log(JSON.stringify({ Patient: served('Patient'), Slot: served('Slot'), Task: served('Task'), Medication: served('Medication') }));
`;

describe('repository types', () => {
  it('when billing searches in a fresh process before the FHIR router is built, then the domain types keep their declarations', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', BILLING_FIRST], { cwd: root });
    const served = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, { store: boolean; operations: string[] }>;
    expect(served.Patient.store, 'Patient is served from its table').to.equal(false);
    expect(served.Slot.store, 'Slot is served from its table').to.equal(false);
    expect(served.Task.operations, 'Task keeps its dispensing operations').to.include.members(['accept', 'close']);
    expect(served.Medication.store, 'a type without a declaration is the repository\'s').to.equal(true);
  });
});
