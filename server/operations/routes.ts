import { Router } from 'express';
import type { Database } from '../../db/connection.js';
import { methodNotAllowed } from '../http/error-handler.js';
import type { HospitalNode } from '../hospital-node.js';
import { metricsAccess } from './metrics-access.js';
import { within } from './within.js';

/** An orchestrator waits about this long for a probe; a slower database counts as not ready. */
const READY_TIMEOUT_MS = 1_000;

/** Resolves to null when the database answers within the timeout, else to why not. */
async function databaseUnready(db: Database): Promise<string | null> {
  try {
    return await within(READY_TIMEOUT_MS, db.sequelize.query('SELECT 1').then(() => null), `no answer within ${READY_TIMEOUT_MS} ms`);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Liveness and readiness for the orchestrator (they reveal nothing but up or down), and metrics for Prometheus. */
export function operationsRoutes(node: HospitalNode): Router {
  const router = Router();
  router.route('/healthz').get((_req, res) => { res.json({ status: 'ok' }); }).all(methodNotAllowed);
  router.route('/readyz').get(async (req, res) => {
    const unready = await databaseUnready(node.db);
    if (!unready) {
      res.json({ status: 'ready', database: node.db.dialect });
      return;
    }
    req.log.warn({ reason: unready }, 'database not ready');
    res.status(503).setHeader('Retry-After', '1');
    res.type('application/problem+json')
      .send(JSON.stringify({ type: '/problems/not-ready', title: 'The database is not answering.', status: 503, code: 'not-ready' }));
  }).all(methodNotAllowed);
  router.route('/metrics').get(metricsAccess(node.config.metricsAllow, node.tokens), async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type(node.metrics.contentType).send(await node.metrics.scrape());
  }).all(methodNotAllowed);
  return router;
}
