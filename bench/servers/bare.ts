/**
 * The bare baseline of the FHIR comparison, in its own process on the same database as our node: Express 5, the
 * same driver (a SQLite reading thread or mysql2, without Sequelize) running the statement our node runs, and the same audit row
 * group-committed through db.appendCommitted before the answer is sent. No authentication, no access rule
 * beyond the SQL, no mapping: what a read or search costs on this machine before any of our code.
 */
import '../support/as-in-production.js';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { openDatabase } from '../../db/connection.js';
import { serveParent } from '../support/child-server.js';
import { bareAudit, bareDriver } from '../support/fhir-bench.js';

const databaseUrl = process.env.BENCH_DATABASE_URL!;
const practitionerId = process.env.BENCH_PRACTITIONER_ID!;
const db = await openDatabase(databaseUrl);
const driver = await bareDriver(databaseUrl);

const audit = (req: express.Request, activity: 'read' | 'search', type: string, id: string | null) => bareAudit(db, req, { activity, role: 'doctor', type, id, patientId: null });
const TOP = '\u{10FFFF}';
// The statements our node issues for these requests (logged from Sequelize), with the same care-relationship filter.
const SQL = {
  readRepository: 'SELECT content FROM fhir_resources WHERE resourceType = ? AND id = ?',
  searchPatient: 'SELECT id FROM patients'
    + ' WHERE (id IN (SELECT l.resourceId FROM fhir_strings l WHERE l.resourceType = ? AND l.code = \'name\' AND l.value >= ? AND l.value < ?))'
    + ' ORDER BY id ASC LIMIT 21',
  contents: (count: number) => `SELECT id, content FROM fhir_resources WHERE resourceType = ? AND deleted = 0 AND id IN (${Array(count).fill('?').join(', ')})`,
  searchRepository: 'SELECT s.* FROM (SELECT r.id, r.content, r.id AS k0 FROM fhir_resources r WHERE r.resourceType = ? AND r.deleted = 0'
    + ' AND (r.id IN (SELECT l.resourceId FROM fhir_strings l WHERE l.resourceType = ? AND l.code = ? AND l.value >= ? AND l.value < ?))'
    + ' AND (EXISTS (SELECT 1 FROM fhir_compartments c WHERE c.resourceType = r.resourceType AND c.resourceId = r.id AND c.patientId IN'
    + ' (SELECT patientId FROM encounters WHERE practitionerId = ? UNION SELECT patientId FROM appointments WHERE practitionerId = ?))'
    + ' OR NOT EXISTS (SELECT 1 FROM fhir_compartments n WHERE n.resourceType = r.resourceType AND n.resourceId = r.id))) s'
    + ' ORDER BY s.k0 ASC, s.id ASC LIMIT ?',
};

const app = express();
app.disable('x-powered-by');
// A read answers the stored resource, a Patient's (a domain type) as a RelatedPerson's: one indexed SELECT.
app.get('/fhir/:type/:id', async (req, res) => {
  const [row] = await driver.query(SQL.readRepository, [req.params.type, req.params.id]);
  if (!row) { res.status(404).end(); return; }
  await audit(req, 'read', req.params.type, req.params.id);
  res.type('application/fhir+json').send(String(row.content));
});
// A domain type's page of ids, then their stored resources.
app.get('/fhir/Patient', async (req, res) => {
  const name = String(req.query.name).toLowerCase();
  const ids = (await driver.query(SQL.searchPatient, ['Patient', name, `${name}${TOP}`])).slice(0, 20).map((row) => String(row.id));
  const rows = ids.length ? await driver.query(SQL.contents(ids.length), ['Patient', ...ids]) : [];
  await audit(req, 'search', 'Patient', null);
  res.type('application/fhir+json').send(`{"resourceType":"Bundle","type":"searchset","entry":[${rows.map((row) => `{"resource":${String(row.content)}}`).join(',')}]}`);
});
app.get('/fhir/:type', async (req, res) => {
  const { type } = req.params;
  const name = String(req.query.name).toLowerCase();
  const rows = await driver.query(SQL.searchRepository, [type, type, 'name', name, `${name}${TOP}`, practitionerId, practitionerId, 21]);
  await audit(req, 'search', type, null);
  res.type('application/fhir+json').send(`{"resourceType":"Bundle","type":"searchset","entry":[${rows.slice(0, 20).map((row) => `{"resource":${String(row.content)}}`).join(',')}]}`);
});

const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
await serveParent(async () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`, {}, async () => {
  await new Promise((resolve) => { server.close(resolve); server.closeIdleConnections(); });
  await driver.close();
  await db.close();
});
