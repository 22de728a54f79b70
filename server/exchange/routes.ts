import { Router } from 'express';
import { z } from 'zod';
import { authenticate, requireRole } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { callerOf } from '../http/request-context.js';
import { idInput, parseInput } from '../http/validate.js';
import type { HospitalNode } from '../hospital-node.js';
import { grantConsent, listConsents, revokeConsent } from './consents.js';
import { partnerCallDepsOf } from './partner-client.js';
import { pullPartnerRecords } from './pull.js';
import { findPartner, listPartners, partnerView, registerPartner } from './partners.js';

const httpUrl = z.url({ protocol: /^https?$/ }).max(255);
const partnerInput = z.object({
  name: z.string().trim().min(1).max(200), fhirBaseUrl: httpUrl, jwksUrl: httpUrl,
  // A payer's claims system: it signs in as that payer (docs/billing.md "Payers").
  payorId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a payer Organization id').optional(),
});
const consentInput = z.object({ partnerId: idInput, partnerPatientId: idInput.optional() });

/** Partner hospitals (admin registers them) and the patient's consent to fetch records from each. */
export function exchangeRoutes(node: HospitalNode): Router {
  const router = Router();
  const { db } = node;
  const signedIn = authenticate(node.tokens);
  const pullDeps = partnerCallDepsOf(node);

  router.route('/api/partners')
    .get(signedIn, async (_req, res) => { res.json(await listPartners(db)); })
    .post(signedIn, requireRole('admin'), async (req, res) => {
      const partner = await registerPartner(db, callerOf(req), parseInput(partnerInput, req.body));
      res.status(201).location(`/api/partners/${partner.id}`).json(partner);
    })
    .all(methodNotAllowed);
  router.route('/api/partners/:partnerId').get(signedIn, async (req, res) => { res.json(partnerView(await findPartner(db, req.params.partnerId))); }).all(methodNotAllowed);

  router.route('/api/patients/:patientId/consents')
    .get(signedIn, async (req, res) => { res.json(await listConsents(db, callerOf(req), req.params.patientId)); })
    .post(signedIn, async (req, res) => {
      const input = parseInput(consentInput, req.body);
      res.status(201).json(await grantConsent(db, callerOf(req), req.params.patientId, input.partnerId, input.partnerPatientId ?? null));
    })
    .all(methodNotAllowed);
  router.route('/api/patients/:patientId/consents/:partnerId/revoke')
    .post(signedIn, async (req, res) => { res.json(await revokeConsent(db, callerOf(req), req.params.patientId, req.params.partnerId)); })
    .all(methodNotAllowed);
  router.route('/api/patients/:patientId/partner-records/pull')
    .post(signedIn, async (req, res) => { res.json(await pullPartnerRecords(pullDeps, callerOf(req), req.params.patientId)); })
    .all(methodNotAllowed);
  return router;
}
