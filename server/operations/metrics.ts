import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { PartnerCallTally, PartnerFailure } from '../exchange/partner-client.js';
import { within } from './within.js';

/** What one node's metrics are read from; each source keeps its own counts and knows nothing of Prometheus. */
export interface MetricSources {
  db: Database;
  partnerCalls: PartnerCallTally;
  /** Video rooms and signalling sockets on this instance, once signalling is attached to the HTTP server. */
  video(): { rooms: number; sockets: number } | undefined;
}

/** One node's metrics (docs/operations.md lists them and the alerts to set on them). */
export interface NodeMetrics {
  /** Express middleware timing every request by method, route pattern and status. */
  countRequests(req: Request, res: Response, next: NextFunction): void;
  /** The Prometheus text exposition: this node's metrics, then the process's. */
  scrape(): Promise<string>;
  readonly contentType: string;
}

/** Latency buckets (seconds): an audited read is a few ms, a 1 MB FHIR validation or a partner call seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A scrape's own database queries (the outbox) give up after this, so a stalled database cannot stall Prometheus. */
const SCRAPE_QUERY_TIMEOUT_MS = 1_000;
/** A request no route matched: static files, unknown paths, refusals before routing (429, 413, malformed JSON). */
export const NO_ROUTE = '(no route)';

let processRegistry: Registry | undefined;

/**
 * Memory, CPU, event-loop lag, GC: the process's, once per process however many nodes it runs (tests run
 * several), started on first use because the event-loop monitor keeps a timer.
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The Express route pattern (`/fhir/:type/:id`), never the URL with its ids, so the label set stays bounded. */
function routeOf(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  if (!route) return NO_ROUTE;
  return `${req.baseUrl}${Array.isArray(route.path) ? route.path.join('|') : String(route.path)}`;
}

/** A counter whose value is kept elsewhere (a plain number in the Database or the partner tally). */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number) {
  return new Counter({
    name, help, registers: [registry],
    collect() { this.reset(); this.inc(read()); },
  });
}

function databaseMetrics(registry: Registry, db: Database) {
  mirroredCounter(registry, 'hospital_db_transaction_retries_total',
    'Transactions run again after a deadlock, lock wait timeout or certification conflict (MySQL).', () => db.activity().transactionRetries);
  mirroredCounter(registry, 'hospital_db_writer_timeouts_total',
    'Transactions rolled back for holding the writer or their locks past TRANSACTION_TIMEOUT_MS (answered 503 database-busy).',
    () => db.activity().writerTimeouts);
  if (db.dialect === 'sqlite') {
    new Gauge({
      name: 'hospital_db_writer_queue_depth', help: 'Units of work waiting for SQLite\'s single writer, the one holding it included.',
      registers: [registry], collect() { this.set(db.activity().writerQueueDepth); },
    });
    return;
  }
  const pool = (name: string, help: string, read: (p: NonNullable<ReturnType<Database['activity']>['pool']>) => number) => new Gauge({
    name, help, registers: [registry],
    collect() { const p = db.activity().pool; if (p) this.set(read(p)); },
  });
  pool('hospital_db_pool_connections', 'Open connections in the MySQL pool.', (p) => p.size);
  pool('hospital_db_pool_in_use', 'Pool connections lent to a query or transaction now.', (p) => p.inUse);
  pool('hospital_db_pool_waiting', 'Requests waiting for a pool connection.', (p) => p.waiting);
  pool('hospital_db_pool_max', 'The most connections the pool opens.', (p) => p.max);
}

/** The outbox as one scrape sees it; null when the database did not answer within SCRAPE_QUERY_TIMEOUT_MS. */
type OutboxState = { backlog: number; oldestSeconds: number; failed: number } | null;

function outboxMetrics(registry: Registry, db: Database) {
  const { NotificationOutbox: Outbox } = db.models;
  const read = async (): Promise<OutboxState> => {
    const now = new Date();
    const due = { status: 'pending', dueAt: { [Op.lte]: now } };
    const answer = await within(SCRAPE_QUERY_TIMEOUT_MS, Promise.all([
      Outbox.count({ where: due }), Outbox.findOne({ where: due, order: [['dueAt', 'ASC']], attributes: ['dueAt'] }),
      Outbox.count({ where: { status: 'failed' } }),
    ]), null).catch(() => null);
    if (!answer) return null;
    const [backlog, first, failed] = answer;
    return { backlog, oldestSeconds: first ? (now.getTime() - first.dueAt.getTime()) / 1000 : 0, failed };
  };
  // Read at scrape time (the table is the truth, shared by every instance), once for the three gauges: a
  // scrape starts their collects together, and they share the reading in flight.
  let reading: Promise<OutboxState> | null = null;
  const current = () => {
    if (!reading) reading = read().finally(() => { reading = null; });
    return reading;
  };
  const gauge = (name: string, help: string, value: (state: NonNullable<OutboxState>) => number) => new Gauge({
    name, help, registers: [registry],
    async collect() { const state = await current(); this.set(state ? value(state) : NaN); },
  });
  gauge('hospital_outbox_backlog', 'Notifications due now or earlier and not yet sent (NaN: the database did not answer).', (s) => s.backlog);
  gauge('hospital_outbox_backlog_oldest_seconds', 'How long the oldest due, unsent notification has been due (0 when none).', (s) => s.oldestSeconds);
  gauge('hospital_outbox_failed', 'Notifications given up after their last attempt.', (s) => s.failed);
}

function partnerMetrics(registry: Registry, tally: PartnerCallTally) {
  mirroredCounter(registry, 'hospital_partner_calls_total', 'Conversations with partner nodes (token and requests).', () => tally.calls);
  new Counter({
    name: 'hospital_partner_call_failures_total', help: 'Partner conversations that failed: timeout (PARTNER_TIMEOUT_MS), token-refused, error.',
    labelNames: ['reason'], registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(tally.failures)) this.inc({ reason: reason as PartnerFailure }, count);
    },
  });
}

function videoMetrics(registry: Registry, video: MetricSources['video']) {
  new Gauge({ name: 'hospital_video_rooms_open', help: 'Video rooms with a participant connected to this instance.', registers: [registry],
    collect() { this.set(video()?.rooms ?? 0); } });
  new Gauge({ name: 'hospital_video_sockets_open', help: 'Open signalling WebSockets on this instance.', registers: [registry],
    collect() { this.set(video()?.sockets ?? 0); } });
}

/** A registry of the node's own: two nodes in one process never share a counter. */
export function nodeMetrics(sources: MetricSources): NodeMetrics {
  const registry = new Registry();
  const latency = new Histogram({
    name: 'hospital_http_request_duration_seconds',
    help: 'Time to answer a request, by method, Express route pattern and status; its _count is the request rate.',
    labelNames: ['method', 'route', 'status'], buckets: LATENCY_BUCKETS, registers: [registry],
  });
  databaseMetrics(registry, sources.db);
  outboxMetrics(registry, sources.db);
  partnerMetrics(registry, sources.partnerCalls);
  videoMetrics(registry, sources.video);
  return {
    contentType: registry.contentType,
    countRequests(req, res, next) {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        latency.observe({ method: req.method, route: routeOf(req), status: String(res.statusCode) }, seconds);
      });
      next();
    },
    async scrape() {
      return `${await registry.metrics()}\n${await processMetrics().metrics()}`;
    },
  };
}
