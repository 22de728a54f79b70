import { eligibilityPolicy } from '../consultations/eligibility.js';
import { Router } from 'express';
import { z } from 'zod';
import { authenticate, requireRole } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { partnerCallDepsOf } from '../exchange/partner-client.js';
import { Forbidden } from '../http/errors.js';
import { idempotent } from '../http/idempotency.js';
import { callerOf } from '../http/request-context.js';
import { idInput, parseInput } from '../http/validate.js';
import type { HospitalNode } from '../hospital-node.js';
import { abortPrescription } from './dispense.js';
import {
  giveBackDispensation, handOverPrescription, listDispensations, readDispensation, takePrescription, type DispensationDeps,
} from './dispensations.js';
import { prescriptionProvenance } from './fhir-views.js';
import { prescriptionCodeFor } from './patient-code.js';
import { prescribe } from './prescribe.js';
import { linesOf, listPrescriptions, prescriptionSummary, readablePrescription } from './read-prescriptions.js';
import { REVIEW_REJECTION_REASONS, reviewPrescription, reviewQueue } from './review.js';
import { reviewQueueItems } from './review-context.js';

const line = z.object({
  drugCode: z.string().trim().min(1).max(32),
  dose: z.string().trim().min(1).max(100),
  frequency: z.string().trim().min(1).max(100),
  quantity: z.number().int().min(1).max(10_000),
  supplyDays: z.number().int().min(1).max(3650),
});
const prescription = z.object({
  encounterId: idInput,
  // More than 5 lines is a domain refusal (too-many-lines) that names the line, not a schema error.
  lines: z.array(line).min(1).max(50),
  chronicConditionCode: z.string().trim().min(3).max(32).optional(),
  validityDays: z.number().int().min(1).max(30).optional(),
  validityReason: z.string().trim().min(1).max(500).optional(),
  replaces: idInput.optional(),
});
const presentedCode = z.object({ code: z.string().trim().min(1).max(1000) });
const handOver = z.object({
  dispenses: z.array(z.object({ lineNo: z.number().int().min(1).max(5), quantity: z.number().int().min(1).max(10_000) })).min(1).max(5),
});
const review = z.object({
  decision: z.enum(['approve', 'reject']),
  reasonCode: z.enum(Object.keys(REVIEW_REJECTION_REASONS) as [keyof typeof REVIEW_REJECTION_REASONS]).optional(),
  note: z.string().trim().max(500).optional(),
});

/** The web client's prescription routes (docs/prescriptions.md). Dispensing is FHIR: see fhir-task.ts. */
export function prescriptionRoutes(node: HospitalNode): Router {
  const router = Router();
  const { db, keys, config } = node;
  const signedIn = authenticate(node.tokens);
  const fhirBase = `${config.publicBaseUrl}/fhir`;

  router.route('/api/drugs').get(signedIn, async (_req, res) => {
    res.json(await db.models.Drug.findAll({ order: [['name', 'ASC']] }));
  }).all(methodNotAllowed);
  router.route('/api/prescriptions').get(signedIn, async (req, res) => {
    res.json(await listPrescriptions(db, callerOf(req)));
  }).post(signedIn, requireRole('doctor'), idempotent(db), async (req, res) => {
    const row = await prescribe(db, keys, config.publicBaseUrl, callerOf(req), parseInput(prescription, req.body), eligibilityPolicy(config));
    res.status(201).location(`/api/prescriptions/${row.id}`).json(prescriptionSummary(row, await linesOf(db, row.id)));
  }).all(methodNotAllowed);
  router.route('/api/prescriptions/review-queue').get(signedIn, requireRole('pharmacist'), async (req, res) => {
    const caller = callerOf(req);
    res.json(await reviewQueueItems(db, caller, await reviewQueue(db, caller), eligibilityPolicy(config)));
  }).all(methodNotAllowed);
  router.route('/api/prescriptions/:id').get(signedIn, async (req, res) => {
    const { row, lines } = await readablePrescription(db, callerOf(req), req.params.id);
    res.json(prescriptionSummary(row, lines));
  }).all(methodNotAllowed);
  router.route('/api/prescriptions/:id/review').post(signedIn, requireRole('pharmacist'), async (req, res) => {
    const row = await reviewPrescription(db, callerOf(req), req.params.id, parseInput(review, req.body));
    res.json(prescriptionSummary(row, await linesOf(db, row.id)));
  }).all(methodNotAllowed);
  router.route('/api/prescriptions/:id/cancel').post(signedIn, requireRole('doctor'), async (req, res) => {
    const { prescription: row } = await abortPrescription(db, callerOf(req), req.params.id);
    res.json(prescriptionSummary(row, await linesOf(db, row.id)));
  }).all(methodNotAllowed);
  router.route('/api/prescriptions/:id/code').get(signedIn, requireRole('patient'), async (req, res) => {
    const { row } = await readablePrescription(db, callerOf(req), req.params.id);
    if (row.status !== 'ready' && row.status !== 'in-progress') {
      throw new Forbidden('code-not-available', `The prescription is ${row.status}: a code is shown only once a pharmacist approved it.`);
    }
    res.set('Cache-Control', 'no-store').json(await prescriptionCodeFor(keys, fhirBase, row));
  }).all(methodNotAllowed);
  router.route('/api/prescriptions/:id/provenance').get(signedIn, async (req, res) => {
    const { row, lines } = await readablePrescription(db, callerOf(req), req.params.id);
    res.json({ provenance: prescriptionProvenance(row, lines), signedContent: row.signedContent, signature: row.signature, kid: row.kid });
  }).all(methodNotAllowed);

  const dispensing: DispensationDeps = partnerCallDepsOf(node);
  const pharmacist = [signedIn, requireRole('pharmacist')];
  router.route('/api/dispensations').get(...pharmacist, async (req, res) => {
    res.json(await listDispensations(db, callerOf(req)));
  }).post(...pharmacist, idempotent(db), async (req, res) => {
    const taken = await takePrescription(dispensing, callerOf(req), parseInput(presentedCode, req.body).code);
    res.status(201).location(`/api/dispensations/${taken.id}`).json(taken);
  }).all(methodNotAllowed);
  router.route('/api/dispensations/:id').get(...pharmacist, async (req, res) => {
    res.json(await readDispensation(db, callerOf(req), req.params.id));
  }).all(methodNotAllowed);
  router.route('/api/dispensations/:id/hand-over').post(...pharmacist, idempotent(db), async (req, res) => {
    res.json(await handOverPrescription(dispensing, callerOf(req), req.params.id, parseInput(handOver, req.body).dispenses));
  }).all(methodNotAllowed);
  router.route('/api/dispensations/:id/give-back').post(...pharmacist, async (req, res) => {
    res.json(await giveBackDispensation(dispensing, callerOf(req), req.params.id));
  }).all(methodNotAllowed);

  return router;
}
