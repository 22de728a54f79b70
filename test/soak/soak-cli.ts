/**
 * `npm run soak`: the mixed soak of issue 15 for 10 minutes (SOAK_SECONDS) at SOAK_RATE operations a second
 * (default 10) against a node on a fresh database (SOAK_DATABASE=sqlite, the default, or mysql: a new database
 * on TEST_MYSQL_URL, mysql://root@127.0.0.1:3306). Prints the report; exits 1 when a pass criterion fails.
 * Never part of `npm test` (its 60-second form is test/soak/soak.test.ts).
 */
import { dropCreatedDatabases, type TestDialect } from '../support/databases.js';
import { closeTestNodes, startTestNode } from '../support/test-node.js';
import { soak } from './mixed-load.js';

const dialect = (process.env.SOAK_DATABASE ?? 'sqlite') as TestDialect;
const hospital = await startTestNode(dialect);
const report = await soak(hospital, {
  ratePerSecond: Number(process.env.SOAK_RATE ?? 10), seconds: Number(process.env.SOAK_SECONDS ?? 600), patients: 40, visits: 6,
  log: (line) => process.stdout.write(`${line}\n`),
});
await closeTestNodes();
await dropCreatedDatabases();

process.stdout.write(`${JSON.stringify({ dialect, ...report }, null, 2)}\n`);
const failures = [
  report.serverErrors && `${report.serverErrors} × 5xx`,
  report.unanswered && `${report.unanswered} requests without an answer`,
  report.unexpected.length && `${report.unexpected.length} unexpected answers`,
  report.doubleBookings && `${report.doubleBookings} double bookings`,
  report.doubleDispenses && `${report.doubleDispenses} double dispenses`,
  report.missingWrites.length && `${report.missingWrites.length} acknowledged writes missing`,
  report.rss.growth >= 0.1 && `RSS grew ${(report.rss.growth * 100).toFixed(1)} %`,
].filter(Boolean);
process.stdout.write(`${failures.length ? `SOAK FAILED: ${failures.join('; ')}` : `SOAK PASSED on ${dialect}: ${report.requests} requests, 0 × 5xx, 0 double bookings, 0 double dispenses, `
  + `every acknowledged write stored, RSS ${report.rss.startMiB} → ${report.rss.endMiB} MiB (${(report.rss.growth * 100).toFixed(1)} %), `
  + `p50 ${report.latency.p50}, p99 ${report.latency.p99}, at most ${report.maxInFlight} operations in flight`}\n`);
process.exit(failures.length ? 1 : 0);
