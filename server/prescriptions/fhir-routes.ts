import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { DISPENSING_SCOPE } from '../auth/client-assertion-grant.js';
import { parameterList } from '../fhir/parameters.js';
import { declareRoutedType } from '../fhir/registry.js';
import { authenticate, requireRole } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { Forbidden, Invalid } from '../http/errors.js';
import { idempotent } from '../http/idempotency.js';
import { callerOf } from '../http/request-context.js';
import type { HospitalNode } from '../hospital-node.js';
import { abortPrescription, acceptPrescription, closePrescription, giveBackPrescription, lookUpPrescription, pharmacyOf, type DispenseInput } from './dispense.js';
import { medicationDispense, prescriptionProvenance, prescriptionTask } from './fhir-views.js';
import { linesOf, readablePrescription } from './read-prescriptions.js';
import type { SignedDocument } from './signing.js';

interface Parameter { name?: string; valueString?: string; resource?: Record<string, unknown> }

function parametersOf(req: Request): Parameter[] {
  const body = req.body as { resourceType?: string; parameter?: Parameter[] } | undefined;
  if (body?.resourceType !== 'Parameters') throw new Invalid('not-parameters', 'The body must be a FHIR Parameters resource.', [{ expression: 'Parameters', message: 'resourceType is not Parameters' }]);
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

const parameters = (parameter: unknown[]) => ({ resourceType: 'Parameters', parameter });

/** The Task operations: their routes below and the CapabilityStatement are both built from this list. */
const OPERATIONS = {
  lookup: 'Read the Task and the signed prescription with the patient\'s accessCode, before taking it (changes nothing).',
  accept: 'accessCode (+ pharmacy) → in-progress for the caller; returns secret, the signed prescription, signature, task, provenance.',
  reject: 'secret → back to ready (the holding pharmacy gives it back).',
  close: 'secret + dispense (MedicationDispense ≤ prescribed) → completed; returns the issuer-signed receipt.',
  abort: 'The prescriber withdraws it while no pharmacy holds it → cancelled.',
} as const;

declareRoutedType({
  type: 'Task',
  interactions: ['read'],
  operations: Object.entries(OPERATIONS).map(([name, documentation]) => ({
    name, level: 'instance', definition: `urn:internet-hospital:OperationDefinition:Task-${name}`, documentation, affectsState: name !== 'lookup',
  })),
});

/**
 * Who dispenses: a pharmacist of this hospital, or a partner node (role `system`, scope system/Task.write) acting
 * for its pharmacy with the code the patient gave it. The access code and then the secret are the authority.
 */
function dispenser(req: Request, _res: Response, next: NextFunction) {
  const caller = callerOf(req);
  if (caller.role === 'pharmacist' || (caller.role === 'system' && caller.scopes.includes(DISPENSING_SCOPE))) return next();
  throw new Forbidden('wrong-role', `Only a pharmacist, or a partner node with ${DISPENSING_SCOPE}, dispenses prescriptions.`);
}

/**
 * Dispensing as FHIR operations on Task (docs/prescriptions.md "Operations"). Mounted before any other /fhir
 * router so these paths are ours.
 */
export function prescriptionFhirRoutes(node: HospitalNode): Router {
  const router = Router();
  const { db, keys, config } = node;
  const signedIn = authenticate(node.tokens);
  const dispensing = [signedIn, dispenser];
  const issuer = `${config.publicBaseUrl}/fhir`;
  const fhir = (res: Response, status: number, body: unknown) => res.status(status).type('application/fhir+json').send(JSON.stringify(body));
  const signedParameters = (signed: SignedDocument) => [
    { name: 'prescription', valueBase64Binary: Buffer.from(signed.content, 'utf8').toString('base64') },
    { name: 'signature', valueString: signed.jws },
  ];

  router.route('/fhir/Task/:id').get(signedIn, async (req, res) => {
    const { row, lines } = await readablePrescription(db, callerOf(req), req.params.id);
    res.set('ETag', `W/"${row.versionId}"`);
    fhir(res, 200, prescriptionTask(row, lines, issuer));
  }).all(methodNotAllowed);

  const handlers: Record<keyof typeof OPERATIONS, RequestHandler<{ id: string }>[]> = {
    lookup: [...dispensing, async (req, res) => {
      const found = await lookUpPrescription(db, callerOf(req), req.params.id, { accessCode: stringParam(parametersOf(req), 'accessCode')! });
      const lines = await linesOf(db, req.params.id);
      fhir(res, 200, parameters([
        ...signedParameters(found.signed),
        { name: 'task', resource: prescriptionTask(found.prescription, lines, issuer) },
        { name: 'provenance', resource: prescriptionProvenance(found.prescription, lines) },
      ]));
    }],
    accept: [...dispensing, idempotent(db), async (req, res) => {
      const params = parametersOf(req);
      const caller = callerOf(req);
      const pharmacy = await pharmacyOf(db, caller, stringParam(params, 'pharmacy', false));
      const accepted = await acceptPrescription(db, caller, req.params.id, { accessCode: stringParam(params, 'accessCode')!, pharmacy });
      const lines = await linesOf(db, req.params.id);
      fhir(res, 200, parameters([
        { name: 'secret', valueString: accepted.secret },
        ...signedParameters(accepted.signed),
        { name: 'task', resource: prescriptionTask(accepted.prescription, lines, issuer) },
        { name: 'provenance', resource: prescriptionProvenance(accepted.prescription, lines) },
      ]));
    }],
    reject: [...dispensing, async (req, res) => {
      const row = await giveBackPrescription(db, callerOf(req), req.params.id, { secret: stringParam(parametersOf(req), 'secret')! });
      fhir(res, 200, prescriptionTask(row, await linesOf(db, row.id), issuer));
    }],
    close: [...dispensing, idempotent(db), async (req, res) => {
      const params = parametersOf(req);
      const closed = await closePrescription(db, keys, callerOf(req), req.params.id, { secret: stringParam(params, 'secret')!, dispenses: dispensesOf(params) });
      const lines = await linesOf(db, req.params.id);
      fhir(res, 200, parameters([
        { name: 'task', resource: prescriptionTask(closed.prescription, lines, issuer) },
        ...closed.dispenses.map((d) => ({ name: 'dispense', resource: medicationDispense(closed.prescription, d, lines.find((l) => l.lineNo === d.lineNo)) })),
        { name: 'receipt', valueBase64Binary: Buffer.from(closed.receipt.content, 'utf8').toString('base64') },
        { name: 'receiptSignature', valueString: closed.receipt.jws },
      ]));
    }],
    abort: [signedIn, requireRole('doctor'), async (req, res) => {
      const row = await abortPrescription(db, callerOf(req), req.params.id);
      fhir(res, 200, prescriptionTask(row, await linesOf(db, row.id), issuer));
    }],
  };
  for (const [name, chain] of Object.entries(handlers)) {
    router.route(`/fhir/Task/:id/\\$${name}`).post(...chain).all(methodNotAllowed);
  }

  return router;
}
