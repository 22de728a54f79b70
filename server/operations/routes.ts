import { Router } from 'express';
import { methodNotAllowed } from '../http/error-handler.js';
import type { HospitalNode } from '../hospital-node.js';

/** Liveness and readiness for the orchestrator; they reveal nothing but up or down. */
export function operationsRoutes(node: HospitalNode): Router {
  const router = Router();
  router.route('/healthz').get((_req, res) => { res.json({ status: 'ok' }); }).all(methodNotAllowed);
  router.route('/readyz').get(async (req, res) => {
    try {
      await node.db.sequelize.query('SELECT 1');
      res.json({ status: 'ready', database: node.db.dialect });
    } catch (error) {
      req.log.warn({ err: error }, 'database not reachable');
      res.status(503).type('application/problem+json')
        .send(JSON.stringify({ type: '/problems/not-ready', title: 'The database is not reachable.', status: 503, code: 'not-ready' }));
    }
  }).all(methodNotAllowed);
  return router;
}
