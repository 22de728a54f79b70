import { Router } from 'express';
import { z } from 'zod';
import { authenticate, requireRole } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { callerOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import type { HospitalNode } from '../hospital-node.js';
import { chargesCsv } from './charges-csv.js';
import { listPayers, setInternetCareAgreement } from './payers.js';
import { readPatientBilling } from './patient-billing.js';
import { riskFlags } from './risk-flags.js';
import { submitClaims } from './submit-claims.js';

const period = z.object({ start: z.iso.date(), end: z.iso.date() });
const agreement = z.object({ internetCareAgreement: z.boolean() });
const token = z.string().trim().min(1).max(200);
const repeated = z.union([token, z.array(token).max(4)]).optional();
/** The FHIR search parameters of the CSV export (the same as GET /fhir/ChargeItem's, a subset). */
const chargeQuery = z.strictObject({
  patient: repeated, subject: repeated, 'service-date': repeated, code: repeated, status: repeated, provider: repeated, _lastUpdated: repeated,
  _sort: token.optional(),
});

/** Coverage payers, claims, the payer's view and the patient's bill (docs/billing.md). One line a route. */
export function claimsRoutes(node: HospitalNode): Router {
  const router = Router();
  const { db, config } = node;
  const signedIn = authenticate(node.tokens);

  router.route('/api/billing/payers').get(signedIn, requireRole('admin'), async (_req, res) => { res.json(await listPayers(db)); }).all(methodNotAllowed);
  router.route('/api/billing/payers/:payerId/agreement').put(signedIn, requireRole('admin'), async (req, res) => {
    res.json(await setInternetCareAgreement(db, callerOf(req), req.params.payerId, parseInput(agreement, req.body).internetCareAgreement));
  }).all(methodNotAllowed);
  router.route('/api/billing/claims/submit').post(signedIn, requireRole('admin'), async (req, res) => {
    res.json(await submitClaims(db, config, callerOf(req), parseInput(period, req.body)));
  }).all(methodNotAllowed);
  router.route('/api/billing/risk-flags').get(signedIn, requireRole('insurer', 'admin'), async (req, res) => {
    res.json(await riskFlags(db, config, callerOf(req), parseInput(period, req.query, 'query')));
  }).all(methodNotAllowed);
  router.route('/api/billing/charges.csv').get(signedIn, requireRole('insurer', 'admin'), async (req, res) => {
    const csv = await chargesCsv(db, config, callerOf(req), parseInput(chargeQuery, req.query, 'query'));
    res.type('text/csv; charset=utf-8').setHeader('Content-Disposition', 'attachment; filename="charges.csv"').send(csv);
  }).all(methodNotAllowed);
  router.route('/api/patients/:patientId/billing').get(signedIn, async (req, res) => {
    res.json(await readPatientBilling(db, config, callerOf(req), req.params.patientId));
  }).all(methodNotAllowed);
  return router;
}
