import { Router } from 'express';
import { authenticate } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { callerOf } from '../http/request-context.js';
import type { HospitalNode } from '../hospital-node.js';
import { listNotifications, markNotificationRead } from './inbox.js';

/** The in-app notification list: the caller's own outbox events (docs/appointments.md "In the app"). */
export function notificationRoutes(node: HospitalNode): Router {
  const router = Router();
  const { db } = node;
  const signedIn = authenticate(node.tokens);

  router.route('/api/notifications')
    .get(signedIn, async (req, res) => { res.json(await listNotifications(db, callerOf(req))); })
    .all(methodNotAllowed);
  router.route('/api/notifications/:notificationId/read')
    .post(signedIn, async (req, res) => { res.json(await markNotificationRead(db, callerOf(req), req.params.notificationId)); })
    .all(methodNotAllowed);
  return router;
}
