import type { Server } from 'node:http';
import { openDatabase } from '../db/connection.js';
import { migrate } from '../db/migrate.js';
import { DEMO_ACCOUNTS, seedDemoHospital } from '../db/seeds/demo-hospital.js';
import { seedDemoStory } from '../db/seeds/demo-story.js';
import { startPeriodChargesLoop } from './billing/period-charges.js';
import { ensureDemoVideoVisit } from '../db/seeds/demo-video-visit.js';
import { buildApp } from './app.js';
import { startAppointmentsWorker } from './appointments/outbox-worker.js';
import { notificationTransport } from './notifications/transport.js';
import { loadKeyRing } from './auth/keys.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { warmUpValidation } from './fhir/r4-validation-thread.js';
import { createLogger } from './logger.js';
import { startEscalationSweep } from './monitoring/alerts.js';
import { processMetrics } from './operations/metrics.js';
import { attachSignalling } from './video/signalling.js';

function banner(config: Config, seeded: boolean): string {
  const lines = [`Internet hospital is listening on ${config.publicBaseUrl}`];
  if (config.seedDemo) {
    lines.push(seeded ? 'Demo hospital seeded. Accounts:' : 'Demo accounts:');
    for (const a of DEMO_ACCOUNTS) lines.push(`  ${a.email.padEnd(20)} ${a.role.padEnd(11)} ${a.who}`);
    lines.push(`  password: ${config.demoPassword === 'demo-hospital' ? 'demo-hospital' : '(the DEMO_PASSWORD you set)'}`);
  }
  return lines.join('\n');
}

/** How long a stopping node still reads the requests sent before its signal (see shutdownOnSignal). */
const DRAIN_MS = 1000;

/**
 * On SIGTERM: read what was sent before it (DRAIN_MS), stop taking connections, let in-flight requests finish,
 * stop the background workers, close the database, all within `graceMs`. Requests still running at 80 % of it
 * have their connections closed; whatever still holds the process at `graceMs` (a database that does not answer)
 * is cut short by exiting with code 1.
 */
function shutdownOnSignal(server: Server, close: () => Promise<void>, graceMs: number, log: ReturnType<typeof createLogger>,
  closeSockets: () => Promise<void> = async () => undefined) {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => server.closeAllConnections(), Math.floor(graceMs * 0.8)).unref();
    setTimeout(() => {
      log.error({ graceMs }, 'shutdown took longer than its grace period; exiting now');
      process.exit(1);
    }, graceMs).unref();
    // Upgraded (WebSocket) connections would hold server.close() open: close them first.
    void closeSockets();
    // A connection whose request the node has not read yet (still in the kernel's queue, or read by a busy event
    // loop later) counts as idle, and closing the idle ones at once failed that request (ECONNRESET) though it was
    // sent before the signal. So for DRAIN_MS the node goes on accepting and reading, each answer asking its client
    // to close the connection; then it stops listening and closes the connections left idle.
    server.prependListener('request', (_req, res) => res.setHeader('Connection', 'close'));
    setTimeout(() => {
      server.close(async () => {
        await close();
        log.info('stopped');
        process.exit(0);
      });
      server.closeIdleConnections();
    }, Math.min(DRAIN_MS, Math.floor(graceMs * 0.2)));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function start() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const keys = loadKeyRing(config.keysDir, config.env !== 'production');
  const db = await openDatabase(config.databaseUrl, { transactionTimeoutMs: config.transactionTimeoutMs });
  const applied = await migrate(db);
  if (applied.length) log.info({ migrations: applied }, 'database migrated');
  const seeded = config.seedDemo ? await seedDemoHospital(db, config.demoPassword) : false;
  if (seeded) await seedDemoStory(db, keys, config);
  // On every start, not only the first: the README's video walkthrough needs a room that is open now.
  const videoVisit = config.seedDemo ? await ensureDemoVideoVisit(db) : null;
  const { app, node } = buildApp({ config, db, keys, log });
  processMetrics(); // event-loop lag and GC are measured from the start, not from the first scrape
  const server = app.listen(config.port, config.host, () => {
    log.info({ url: config.publicBaseUrl, database: db.dialect }, 'listening');
    console.log(banner(config, seeded));
    if (videoVisit) {
      console.log(`Alice's video follow-up with Dr Chen starts at ${videoVisit.start.toISOString()} (its room opens 15 minutes before): `
        + `${config.publicBaseUrl}/visit/${videoVisit.appointmentId}`);
    }
  });
  void warmUpValidation().catch((err: unknown) => log.error({ err }, 'the R4 validation thread did not start'));
  const worker = startAppointmentsWorker(db, notificationTransport(db, config, log), log, config.appointments.outboxIntervalMs);
  const sweep = startEscalationSweep(db, config.monitoring.escalationSweepSeconds, (err) => log.error({ err }, 'alert escalation sweep failed'));
  const periodCharges = startPeriodChargesLoop(node, (err) => log.error({ err }, 'period charges loop failed'));
  const signalling = attachSignalling(server, node);
  shutdownOnSignal(server, async () => {
    await Promise.all([worker.stop(), sweep.stop(), periodCharges.stop()]);
    await db.close();
  }, config.shutdownGraceMs, log, () => signalling.close());
}

start().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
  } else {
    console.error('The hospital node could not start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
