import { Router } from 'express';
import { z } from 'zod';
import { authenticate } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { callerOf } from '../http/request-context.js';
import { idInput, parseInput } from '../http/validate.js';
import type { HospitalNode } from '../hospital-node.js';
import { listAuditEvents } from './list-audit-events.js';

const auditQuery = z.object({
  patient: idInput.optional(),
  user: idInput.optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function auditRoutes(node: HospitalNode): Router {
  const router = Router();
  router.route('/api/audit-events').get(authenticate(node.tokens), async (req, res) => {
    const q = parseInput(auditQuery, req.query, 'query');
    res.json(await listAuditEvents(node.db, callerOf(req), {
      patientId: q.patient, userId: q.user, since: q.since, before: q.before, limit: q.limit,
    }));
  }).all(methodNotAllowed);
  return router;
}
