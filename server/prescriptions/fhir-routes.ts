import { Router, type Request, type Response } from 'express';
import { authenticate, requireRole } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { Invalid } from '../http/errors.js';
import { idempotent } from '../http/idempotency.js';
import { callerOf } from '../http/request-context.js';
import type { HospitalNode } from '../hospital-node.js';
import { abortPrescription, acceptPrescription, closePrescription, giveBackPrescription, type DispenseInput } from './dispense.js';
import { medicationDispense, prescriptionProvenance, prescriptionTask } from './fhir-views.js';
import { linesOf, readablePrescription } from './read-prescriptions.js';

interface Parameter { name?: string; valueString?: string; resource?: Record<string, unknown> }

function parametersOf(req: Request): Parameter[] {
  const body = req.body as { resourceType?: string; parameter?: Parameter[] } | undefined;
  if (body?.resourceType !== 'Parameters') throw new Invalid('not-parameters', 'The body must be a FHIR Parameters resource.', [{ expression: 'Parameters', message: 'resourceType is not Parameters' }]);
  return Array.isArray(body.parameter) ? body.parameter : [];
}

function stringParam(params: Parameter[], name: string, required = true): string | undefined {
  const value = params.find((p) => p.name === name)?.valueString;
  if (required && (typeof value !== 'string' || value === '')) {
    throw new Invalid(`missing-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, `Parameter ${name} (valueString) is required.`, [{ expression: `Parameters.parameter.where(name='${name}')`, message: 'required' }]);
  }
  return value;
}

/** MedicationDispense parameters → what was handed over for which line. */
function dispensesOf(params: Parameter[]): DispenseInput[] {
  return params.filter((p) => p.name === 'dispense').map((p, i) => {
    const r = p.resource as { resourceType?: string; authorizingPrescription?: { reference?: string }[]; quantity?: { value?: number };
      medicationCodeableConcept?: { coding?: { code?: string }[] } } | undefined;
    if (r?.resourceType !== 'MedicationDispense') throw new Invalid('not-medication-dispense', `dispense[${i}] must be a MedicationDispense.`, [{ expression: `dispense[${i}]`, message: 'resourceType' }]);
    const reference = r.authorizingPrescription?.[0]?.reference;
    return {
      lineId: reference?.startsWith('MedicationRequest/') ? reference.slice('MedicationRequest/'.length) : undefined,
      drugCode: r.medicationCodeableConcept?.coding?.[0]?.code,
      quantity: Number(r.quantity?.value),
    };
  });
}

const parameters = (parameter: unknown[]) => ({ resourceType: 'Parameters', parameter });

/**
 * Dispensing as FHIR operations on Task (declared in docs/prescriptions.md "Operations"). Mounted before any
 * other /fhir router so these paths are ours.
 */
export function prescriptionFhirRoutes(node: HospitalNode): Router {
  const router = Router();
  const { db, keys, config } = node;
  const signedIn = authenticate(node.tokens);
  const pharmacist = [signedIn, requireRole('pharmacist')];
  const issuer = `${config.publicBaseUrl}/fhir`;
  const fhir = (res: Response, status: number, body: unknown) => res.status(status).type('application/fhir+json').send(JSON.stringify(body));

  router.route('/fhir/Task/:id').get(signedIn, async (req, res) => {
    const { row, lines } = await readablePrescription(db, callerOf(req), req.params.id);
    res.set('ETag', `W/"${row.versionId}"`);
    fhir(res, 200, prescriptionTask(row, lines, issuer));
  }).all(methodNotAllowed);

  router.route('/fhir/Task/:id/\\$accept').post(...pharmacist, idempotent(db), async (req, res) => {
    const params = parametersOf(req);
    const caller = callerOf(req);
    const pharmacy = stringParam(params, 'pharmacy', false) ?? `Organization/${caller.organizationId ?? caller.userId}`;
    const accepted = await acceptPrescription(db, caller, req.params.id, { accessCode: stringParam(params, 'accessCode')!, pharmacy });
    const lines = await linesOf(db, req.params.id);
    fhir(res, 200, parameters([
      { name: 'secret', valueString: accepted.secret },
      { name: 'prescription', valueBase64Binary: Buffer.from(accepted.signed.content, 'utf8').toString('base64') },
      { name: 'signature', valueString: accepted.signed.jws },
      { name: 'task', resource: prescriptionTask(accepted.prescription, lines, issuer) },
      { name: 'provenance', resource: prescriptionProvenance(accepted.prescription, lines) },
    ]));
  }).all(methodNotAllowed);

  router.route('/fhir/Task/:id/\\$reject').post(...pharmacist, async (req, res) => {
    const row = await giveBackPrescription(db, callerOf(req), req.params.id, { secret: stringParam(parametersOf(req), 'secret')! });
    fhir(res, 200, prescriptionTask(row, await linesOf(db, row.id), issuer));
  }).all(methodNotAllowed);

  router.route('/fhir/Task/:id/\\$close').post(...pharmacist, idempotent(db), async (req, res) => {
    const params = parametersOf(req);
    const closed = await closePrescription(db, keys, callerOf(req), req.params.id, { secret: stringParam(params, 'secret')!, dispenses: dispensesOf(params) });
    const lines = await linesOf(db, req.params.id);
    fhir(res, 200, parameters([
      { name: 'task', resource: prescriptionTask(closed.prescription, lines, issuer) },
      ...closed.dispenses.map((d) => ({ name: 'dispense', resource: medicationDispense(closed.prescription, d, lines.find((l) => l.lineNo === d.lineNo)) })),
      { name: 'receipt', valueBase64Binary: Buffer.from(closed.receipt.content, 'utf8').toString('base64') },
      { name: 'receiptSignature', valueString: closed.receipt.jws },
    ]));
  }).all(methodNotAllowed);

  router.route('/fhir/Task/:id/\\$abort').post(signedIn, requireRole('doctor'), async (req, res) => {
    const row = await abortPrescription(db, callerOf(req), req.params.id);
    fhir(res, 200, prescriptionTask(row, await linesOf(db, row.id), issuer));
  }).all(methodNotAllowed);

  return router;
}
