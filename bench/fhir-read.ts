/**
 * GET /fhir/Observation/{id} by a patient token (access check, audit insert, the stored resource) against a bare
 * Express handler that reads the stored resource with one indexed SELECT through the same driver and writes the
 * same audit row the same way (group-committed through the node's writer).
 * Run: npx tsx bench/fhir-read.ts   (BENCH_DATABASE_URL=mysql://… for MariaDB)
 */
import './support/as-in-production.js';
import { bareAudit, bareDriver, bareExpress, benchHospital, listen, measure, report, requireStored } from './support/fhir-bench.js';

const hospital = await benchHospital();
const driver = await bareDriver(hospital.databaseUrl);
const baseline = bareExpress();
baseline.get('/fhir/Observation/:id', async (req, res) => {
  const [row] = await driver.query('SELECT content FROM fhir_resources WHERE resourceType = ? AND id = ?', ['Observation', req.params.id]);
  if (!row) { res.status(404).end(); return; }
  await bareAudit(hospital.db, req, { activity: 'read', role: 'patient', type: 'Observation', id: req.params.id, patientId: hospital.patientId });
  res.type('application/fhir+json').send(String(row.content));
});

const paths = hospital.observationIds.map((id) => `/fhir/Observation/${id}`);
const app = await listen(hospital.app);
const bare = await listen(baseline);
const [seeded] = hospital.observationIds;
await requireStored(app.url, { authorization: `Bearer ${hospital.token}` }, `/fhir/Observation/${seeded}`, `/fhir/Observation?_id=${seeded}`);
const measuredApp = await measure('FHIR API (read)', app.url, hospital.token, paths);
const measuredBare = await measure('bare Express + same SQL', bare.url, hospital.token, paths);
report(`fhir-read: Observation by id, ${hospital.observationIds.length} ids in rotation, ${hospital.db.dialect}`, measuredApp, measuredBare);
await app.close();
await bare.close();
await driver.close();
await hospital.close();
