import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { authenticate, requireRole } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { UnsupportedMediaType } from '../http/errors.js';
import { callerOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import type { HospitalNode } from '../hospital-node.js';
import { catalogueFromCsv, catalogueInput, loadCatalogue, readCatalogue } from './catalogue.js';
import { listVisitCharges, recomputeVisitCharges } from './charge-visit.js';
import { readVisitLevel } from './visit-level.js';

const csvQuery = z.object({ version: z.string().max(64) });

/** A catalogue from the request: JSON (the catalogue itself) or CSV (a header row, one entry a row, `?version=`). */
function catalogueOf(req: Request) {
  if (req.is('text/csv')) return catalogueFromCsv(String(req.body ?? ''), parseInput(csvQuery, req.query, 'query').version);
  if (req.is('application/json')) return parseInput(catalogueInput, req.body);
  throw new UnsupportedMediaType('catalogue-type', 'Send the catalogue as application/json or text/csv.');
}

/** Billing's charges: the service-code catalogue (admins), a visit's charges and their re-run (docs/billing.md). */
export function billingRoutes(node: HospitalNode): Router {
  const router = Router();
  const { db, config } = node;
  const signedIn = authenticate(node.tokens);
  const csv = express.text({ type: 'text/csv', limit: config.bodyLimit });

  router.route('/api/billing/catalogue')
    .get(signedIn, requireRole('admin'), async (req, res) => { res.json(await readCatalogue(db, config, callerOf(req))); })
    .post(signedIn, requireRole('admin'), csv, async (req, res) => { res.status(201).json(await loadCatalogue(db, config, callerOf(req), catalogueOf(req))); })
    .all(methodNotAllowed);
  router.route('/api/visits/:visitId/charges').get(signedIn, requireRole('doctor', 'admin'), async (req, res) => {
    res.json(await listVisitCharges(node, callerOf(req), req.params.visitId));
  }).all(methodNotAllowed);
  router.route('/api/visits/:visitId/billing-level').get(signedIn, requireRole('doctor', 'admin'), async (req, res) => {
    res.json(await readVisitLevel(node, callerOf(req), req.params.visitId));
  }).all(methodNotAllowed);
  router.route('/api/visits/:visitId/charges/recompute').post(signedIn, requireRole('admin'), async (req, res) => {
    res.json(await recomputeVisitCharges(node, callerOf(req), req.params.visitId));
  }).all(methodNotAllowed);
  return router;
}
