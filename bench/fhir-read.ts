/**
 * GET /fhir/Observation/{id} by a patient token (access check, audit insert, mapping, R4 JSON) against a bare
 * Express handler that runs the same SELECT and the same audit INSERT through the same driver.
 * Run: npx tsx bench/fhir-read.ts   (BENCH_DATABASE_URL=mysql://… for MariaDB)
 */
import './support/as-in-production.js';
import { AUDIT_INSERT, bareDriver, bareExpress, benchHospital, listen, measure, report } from './support/fhir-bench.js';

const hospital = await benchHospital();
const driver = await bareDriver(hospital.databaseUrl);
const baseline = bareExpress();
baseline.get('/fhir/Observation/:id', async (req, res) => {
  const [row] = await driver.query('SELECT * FROM observations WHERE id = ?', [req.params.id]);
  if (!row) { res.status(404).end(); return; }
  await driver.query(AUDIT_INSERT, [driver.date(new Date()), 'R', 'read', '0', 'bench', 'patient', 'Observation', row.id, row.patientId, req.ip, 'bench', null]);
  res.type('application/fhir+json').send(JSON.stringify({ resourceType: 'Observation', ...row }));
});

const paths = hospital.observationIds.map((id) => `/fhir/Observation/${id}`);
const app = await listen(hospital.app);
const bare = await listen(baseline);
const measuredApp = await measure('FHIR API (read)', app.url, hospital.token, paths);
const measuredBare = await measure('bare Express + same SQL', bare.url, hospital.token, paths);
report(`fhir-read: Observation by id, ${hospital.observationIds.length} ids in rotation, ${hospital.db.dialect}`, measuredApp, measuredBare);
await app.close();
await bare.close();
await driver.close();
await hospital.close();
