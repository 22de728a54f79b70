import { Router } from 'express';
import { authenticate, requireRole } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { callerOf } from '../http/request-context.js';
import type { HospitalNode } from '../hospital-node.js';
import { issueVideoToken } from './issue-video-token.js';
import { readVideoSession } from './session-log.js';

export function videoRoutes(node: HospitalNode): Router {
  const router = Router();
  const signedIn = authenticate(node.tokens);
  router.route('/api/appointments/:id/video-token').post(signedIn, async (req, res) => {
    res.status(201).set('cache-control', 'no-store').json(await issueVideoToken(node.db, node.config, node.keys, callerOf(req), String(req.params.id)));
  }).all(methodNotAllowed);
  router.route('/api/appointments/:id/video-session').get(signedIn, requireRole('doctor'), async (req, res) => {
    res.json(await readVideoSession(node.db, callerOf(req), String(req.params.id)));
  }).all(methodNotAllowed);
  // The visit page: the browser app's video room for one appointment.
  router.route('/visit/:id').get((_req, res) => {
    res.sendFile('visit.html', { root: node.config.clientDir });
  }).all(methodNotAllowed);
  return router;
}
