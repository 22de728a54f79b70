/**
 * GET /fhir/Observation?code=http://loinc.org|8480-6&date=ge2025-01-01&_count=20 by a patient token (compartment
 * constraint, token + date search, keyset order, next link, audit insert) against a bare Express handler with the
 * same SELECT through the same driver and the same audit row written the same way (group-committed through the
 * node's writer: a second SQLite writer beside the node's would wait on its lock, SQLITE_BUSY).
 * Run: npx tsx bench/fhir-search.ts   (BENCH_DATABASE_URL=mysql://… for MariaDB)
 */
import './support/as-in-production.js';
import { bareAudit, bareDriver, bareExpress, benchHospital, listen, measure, report, requireStored, SINCE } from './support/fhir-bench.js';

const hospital = await benchHospital();
const driver = await bareDriver(hospital.databaseUrl);
const baseline = bareExpress();
// The statement the FHIR search issues for this query (logged from Sequelize), with its parameters.
const SEARCH = 'SELECT * FROM observations WHERE code = ? AND codeSystem = ? AND effectiveAt >= ? AND patientId = ? ORDER BY id ASC LIMIT 21';
baseline.get('/fhir/Observation', async (req, res) => {
  const [system, code] = String(req.query.code).split('|');
  const rows = await driver.query(SEARCH, [code, system, driver.date(new Date(String(req.query.date).slice(2))), hospital.patientId]);
  await bareAudit(hospital.db, req, { activity: 'search', role: 'patient', type: 'Observation', id: null, patientId: hospital.patientId });
  res.type('application/fhir+json').send(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: rows.slice(0, 20).map((resource) => ({ resource })) }));
});

const day = SINCE.toISOString().slice(0, 10);
const paths = ['8867-4', '8480-6', '8462-4', '29463-7'].map((code) => `/fhir/Observation?code=${encodeURIComponent(`http://loinc.org|${code}`)}&date=ge${day}&_count=20`);
const app = await listen(hospital.app);
const bare = await listen(baseline);
const [seeded] = hospital.observationIds;
await requireStored(app.url, { authorization: `Bearer ${hospital.token}` }, `/fhir/Observation/${seeded}`, `/fhir/Observation?_id=${seeded}`);
const measuredApp = await measure('FHIR API (search)', app.url, hospital.token, paths);
const measuredBare = await measure('bare Express + same SQL', bare.url, hospital.token, paths);
report(`fhir-search: token + date on ${hospital.db.dialect}, one patient's compartment, page of 20`, measuredApp, measuredBare);
await app.close();
await bare.close();
await driver.close();
await hospital.close();
