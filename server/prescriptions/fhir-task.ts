import type { Resource } from '@medplum/fhirtypes';
import { DISPENSING_SCOPE } from '../auth/client-assertion-grant.js';
import { recordAudit } from '../audit/audit-log.js';
import { resourceNotFound } from '../fhir/access.js';
import type { Stored } from '../fhir/interactions.js';
import { parameterList } from '../fhir/parameters.js';
import { registerResource, type FhirContext, type OperationCallers, type OperationDefinition } from '../fhir/registry.js';
import { searchParamsOf, storeOf } from '../fhir/repository/generic-types.js';
import * as repository from '../fhir/repository/repository.js';
import { loadRow } from '../fhir/repository/store.js';
import { Invalid } from '../http/errors.js';
import { abortPrescription, acceptPrescription, closePrescription, giveBackPrescription, lookUpPrescription, pharmacyOf, type DispenseInput } from './dispense.js';
import { storedRecords } from './prescription-records.js';
import { prescriptionReadBy } from './read-prescriptions.js';
import type { SignedDocument } from './signing.js';

/**
 * Task on the one FHIR router (docs/fhir.md "Task: the prescription, and its operations"). The Task of a
 * prescription is stored by the repository (prescription-records.ts, in each act's transaction); it is read from
 * there, and its dispensing operations are declared below in the registry's operation table like Patient's
 * $everything: who may call each, whether it takes an Idempotency-Key, and its handler, which calls the use case
 * of dispense.ts (the state machine) and answers with the records the act stored.
 */

interface Parameter { name?: string; valueString?: string; resource?: Record<string, unknown> }

function parametersOf(body: unknown): Parameter[] {
  if ((body as { resourceType?: unknown } | undefined)?.resourceType !== 'Parameters') {
    throw new Invalid('not-parameters', 'The body must be a FHIR Parameters resource.', [{ expression: 'Parameters', message: 'resourceType is not Parameters' }]);
  }
  return parameterList(body) as Parameter[];
}

function stringParam(params: Parameter[], name: string, required = true): string | undefined {
  const value: unknown = params.find((p) => p.name === name)?.valueString;
  if ((required || value !== undefined) && (typeof value !== 'string' || value === '')) {
    throw new Invalid(`missing-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, `Parameter ${name} (valueString) is required.`, [{ expression: `Parameters.parameter.where(name='${name}')`, message: 'required' }]);
  }
  return value as string | undefined;
}

/** MedicationDispense parameters → what was handed over for which line. */
function dispensesOf(params: Parameter[]): DispenseInput[] {
  return params.filter((p) => p.name === 'dispense').map((p, i) => {
    const r = p.resource as { resourceType?: string; authorizingPrescription?: { reference?: string }[]; quantity?: { value?: number };
      medicationCodeableConcept?: { coding?: { code?: string }[] } } | undefined;
    if (r?.resourceType !== 'MedicationDispense') throw new Invalid('not-medication-dispense', `dispense[${i}] must be a MedicationDispense.`, [{ expression: `dispense[${i}]`, message: 'resourceType' }]);
    // Only strings are read from the client's resource; anything else counts as absent and the rules refuse it.
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const reference = text(r.authorizingPrescription?.[0]?.reference);
    return {
      lineId: reference?.startsWith('MedicationRequest/') ? reference.slice('MedicationRequest/'.length) : undefined,
      drugCode: text(r.medicationCodeableConcept?.coding?.[0]?.code),
      quantity: Number(r.quantity?.value),
    };
  });
}

const answer = (parameter: unknown[]) => ({ status: 200, resource: { resourceType: 'Parameters', parameter } as Resource });
const signedParameters = (signed: SignedDocument) => [
  { name: 'prescription', valueBase64Binary: Buffer.from(signed.content, 'utf8').toString('base64') },
  { name: 'signature', valueString: signed.jws },
];
const taskOf = (id: string) => ({ type: 'Task', id });
const provenanceOf = (id: string) => ({ type: 'Provenance', id: `${id}-signature` });

/**
 * Who dispenses: a pharmacist of this hospital, or a partner node (role `system`, scope system/Task.write) acting
 * for its pharmacy with the code the patient gave it. The access code and then the secret are the authority.
 */
const DISPENSERS: OperationCallers = {
  roles: ['pharmacist', 'system'], systemScope: DISPENSING_SCOPE,
  refusal: `Only a pharmacist, or a partner node with ${DISPENSING_SCOPE}, dispenses prescriptions.`,
};

type Handler = OperationDefinition['handler'];
type TaskOperation = Pick<OperationDefinition, 'name' | 'documentation' | 'callers' | 'idempotent'> & { handler: Handler };

/** The dispensing operations (docs/prescriptions.md "Operations"); the CapabilityStatement lists them from here. */
const OPERATIONS: TaskOperation[] = [{
  // POST only, though it changes nothing (no affectsState: false): the access code never travels in a URL.
  name: 'lookup', callers: DISPENSERS,
  documentation: 'Read the Task and the signed prescription with the patient\'s accessCode, before taking it (changes nothing).',
  async handler({ db, caller }, { id, parameters }) {
    const found = await lookUpPrescription(db, caller, id!, { accessCode: stringParam(parametersOf(parameters), 'accessCode')! });
    const [task, provenance] = await storedRecords(db, [taskOf(id!), provenanceOf(id!)]);
    return answer([...signedParameters(found.signed), { name: 'task', resource: task }, { name: 'provenance', resource: provenance }]);
  },
}, {
  name: 'accept', callers: DISPENSERS, idempotent: true,
  documentation: 'accessCode (+ pharmacy) → in-progress for the caller; returns secret, the signed prescription, signature, task, provenance.',
  async handler({ db, caller }, { id, parameters }) {
    const params = parametersOf(parameters);
    const pharmacy = await pharmacyOf(db, caller, stringParam(params, 'pharmacy', false));
    const accepted = await acceptPrescription(db, caller, id!, { accessCode: stringParam(params, 'accessCode')!, pharmacy });
    const { task, provenance } = accepted.records;
    return answer([
      { name: 'secret', valueString: accepted.secret }, ...signedParameters(accepted.signed),
      { name: 'task', resource: task }, { name: 'provenance', resource: provenance },
    ]);
  },
}, {
  name: 'reject', callers: DISPENSERS,
  documentation: 'secret → back to ready (the holding pharmacy gives it back).',
  async handler({ db, caller }, { id, parameters }) {
    const { records } = await giveBackPrescription(db, caller, id!, { secret: stringParam(parametersOf(parameters), 'secret')! });
    return { status: 200, resource: records.task };
  },
}, {
  name: 'close', callers: DISPENSERS, idempotent: true,
  documentation: 'secret + dispense (MedicationDispense ≤ prescribed) → completed; returns the issuer-signed receipt.',
  async handler({ db, caller, keys }, { id, parameters }) {
    if (!keys) throw new Error('Task $close signs its receipt: the FHIR context carries no signing keys');
    const params = parametersOf(parameters);
    const closed = await closePrescription(db, keys, caller, id!, { secret: stringParam(params, 'secret')!, dispenses: dispensesOf(params) });
    return answer([
      { name: 'task', resource: closed.records.task },
      ...closed.records.dispenses.map((resource) => ({ name: 'dispense', resource })),
      { name: 'receipt', valueBase64Binary: Buffer.from(closed.receipt.content, 'utf8').toString('base64') },
      { name: 'receiptSignature', valueString: closed.receipt.jws },
    ]);
  },
}, {
  name: 'abort', callers: { roles: ['doctor'], refusal: 'This is only for doctor accounts.' },
  documentation: 'The prescriber withdraws it while no pharmacy holds it → cancelled.',
  async handler({ db, caller }, { id }) {
    const { records } = await abortPrescription(db, caller, id!);
    return { status: 200, resource: records.task };
  },
}];

/**
 * GET /fhir/Task/{id}. A prescription's Task keeps the prescription's reader rule (read-prescriptions.ts: its
 * patient, its prescriber, any pharmacist of the hospital: a relationship the Patient compartment does not
 * express), and its read is audited as `prescription-read`; every other stored Task (a complaint's) is the
 * repository's, under the one access rule.
 */
async function readTask(ctx: FhirContext, id: string): Promise<Stored> {
  const stored = await loadRow(ctx.db, 'Task', id);
  const prescription = await ctx.db.models.Prescription.findByPk(id, { attributes: ['id'] });
  if (stored && !prescription) return repository.read(ctx, 'Task', id);
  const row = await prescriptionReadBy(ctx.db, ctx.caller, id);
  if (!stored) throw resourceNotFound('Task', id);
  await recordAudit(ctx.db, ctx.caller, { action: 'R', activity: 'prescription-read', resourceType: 'Task', resourceId: id, patientId: row.patientId });
  const resource = JSON.parse(stored.content) as Resource;
  return { resource, versionId: resource.meta?.versionId ?? String(stored.versionId), lastUpdated: resource.meta?.lastUpdated ?? '', status: 200 };
}

registerResource({
  type: 'Task',
  store: { ...storeOf('Task'), read: readTask },
  model: (db) => db.models.FhirResource,
  toResource: (row) => JSON.parse(String(row.content)) as Resource,
  // Written only by the acts (prescribing, dispensing, complaints); searched through Patient/$everything.
  interactions: ['read'],
  searchParams: searchParamsOf('Task'),
  lastUpdatedColumn: 'lastUpdated',
  operations: OPERATIONS.map((operation) => ({
    ...operation, level: 'instance', definition: `urn:internet-hospital:OperationDefinition:Task-${operation.name}`,
  })),
});
