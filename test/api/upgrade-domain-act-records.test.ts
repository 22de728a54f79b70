import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { openDatabase, type Database } from '../../db/connection.js';
import { migrate } from '../../db/migrate.js';
import { domainActRecords } from '../../db/migrations/0220-domain-act-records.js';
import { seedDemoHospital } from '../../db/seeds/demo-hospital.js';
import { seedDemoStory } from '../../db/seeds/demo-story.js';
import { generateSigningKey, keyRing } from '../../server/auth/keys.js';
import { testConfig } from '../support/test-node.js';
import { createEmptyDatabase, DIALECTS, mysqlUnavailableReason } from '../support/databases.js';

type Row = Record<string, unknown>;

/** Each record of the domain acts: its FHIR type and the table whose rows it comes from. */
const RECORDS: Array<[type: string, table: string]> = [
  ['Consent', 'consents'], ['CarePlan', 'care_plans'], ['DocumentReference', 'diagnosis_documents'], ['Composition', 'visit_notes'],
  ['Task', 'disputes'], ['Communication', 'visit_messages'], ['Task', 'prescriptions'], ['MedicationRequest', 'prescription_lines'],
  ['MedicationDispense', 'medication_dispenses'],
];
const TYPES = [...new Set([...RECORDS.map(([type]) => type), 'Provenance'])];
const LOOKUPS = ['fhir_tokens', 'fhir_strings', 'fhir_dates', 'fhir_references', 'fhir_quantities', 'fhir_uris', 'fhir_composites', 'fhir_compartments'];

const select = (db: Database, sql: string, replacements: unknown[] = []) =>
  db.sequelize.query<Row>(sql, { replacements, type: QueryTypes.SELECT });
const inTypes = `(${TYPES.map(() => '?').join(', ')})`;

/** The stored resources of the domain acts, by type/id, without meta (which the upgrade sets anew). */
async function storedResources(db: Database): Promise<Map<string, Row>> {
  const rows = await select(db, `SELECT resourceType, id, content FROM fhir_resources WHERE resourceType IN ${inTypes}`, TYPES);
  return new Map(rows.map((r) => {
    const resource = JSON.parse(String(r.content)) as Row;
    delete resource.meta;
    return [`${String(r.resourceType)}/${String(r.id)}`, resource];
  }));
}

/**
 * What the previous release left: no stored resource for these records, and in resource_versions the row itself
 * (recordVersion wrote the plain row as each version).
 */
async function asThePreviousReleaseLeftIt(db: Database): Promise<void> {
  for (const table of LOOKUPS) await db.sequelize.query(`DELETE FROM ${table} WHERE resourceType IN ${inTypes}`, { replacements: TYPES });
  await db.sequelize.query(`DELETE FROM fhir_resources WHERE resourceType IN ${inTypes}`, { replacements: TYPES });
  await db.sequelize.query(`DELETE FROM resource_versions WHERE resourceType IN ${inTypes}`, { replacements: TYPES });
  for (const [type, table] of RECORDS) {
    for (const row of await select(db, `SELECT * FROM ${table}`)) {
      await db.sequelize.getQueryInterface().bulkInsert('resource_versions', [{
        resourceType: type, resourceId: row.id, versionId: Number(row.versionId ?? 1), recordedAt: new Date(String(row.updatedAt ?? row.createdAt ?? new Date().toISOString())),
        content: JSON.stringify(row),
      }]);
    }
  }
}

for (const dialect of DIALECTS) {
  describe(`upgrade in place: the records of the domain acts [${dialect}]`, function () {
    let db: Database | undefined;
    before(async function () {
      if (dialect === 'mysql') {
        const reason = await mysqlUnavailableReason();
        if (reason && process.env.CI) throw new Error(`${reason} (the MySQL suites are mandatory in CI)`);
        if (reason) {
          console.error(`\n  SKIPPING "upgrade in place [mysql]": ${reason}\n`);
          this.skip();
        }
      }
    });
    after(async () => db?.close());

    it('when a database of the previous release is upgraded, then every prescription, note, message, consent and care plan is a stored resource equal to what this release writes, searchable, with its versions', async function () {
      // The demo story also bills its visits (claims, the insurer's answer): more than the default minute on a busy machine.
      this.timeout(180_000);
      const databaseUrl = await createEmptyDatabase(dialect);
      db = await openDatabase(databaseUrl);
      await migrate(db);
      // The demo hospital and its story: a signed, approved prescription, a note, a care plan, a week of readings.
      await seedDemoHospital(db, 'upgrade-test-password');
      await seedDemoStory(db, keyRing([generateSigningKey()]), testConfig(databaseUrl));
      const written = await storedResources(db);
      expect([...written.keys()].some((k) => k.startsWith('MedicationRequest/'))).to.equal(true);
      expect([...written.keys()].some((k) => k.startsWith('Composition/'))).to.equal(true);

      await asThePreviousReleaseLeftIt(db);
      expect((await storedResources(db)).size).to.equal(0);
      await domainActRecords.up({ context: db.sequelize.getQueryInterface() });

      const upgraded = await storedResources(db);
      expect([...upgraded.keys()].sort()).to.deep.equal([...written.keys()].sort());
      for (const [key, resource] of written) expect(upgraded.get(key), key).to.deep.equal(resource);
      // Every version is a resource now, and the newest one is the stored resource.
      for (const version of await select(db, `SELECT resourceType, resourceId, versionId, content FROM resource_versions WHERE resourceType IN ${inTypes}`, TYPES)) {
        expect(JSON.parse(String(version.content)).resourceType, `${String(version.resourceType)}/${String(version.resourceId)}`).to.equal(version.resourceType);
      }
      const [line] = await select(db, 'SELECT id FROM prescription_lines');
      const versions = await select(db, "SELECT content FROM resource_versions WHERE resourceType = 'MedicationRequest' AND resourceId = ? ORDER BY versionId", [line.id]);
      expect(versions.map((v) => JSON.parse(String(v.content)).status)).to.deep.equal(['draft', 'active']);
      // The lookup rows were written too: the search finds the care plan by its patient.
      const [plan] = await select(db, 'SELECT id, patientId FROM care_plans');
      const found = await select(db, "SELECT resourceId FROM fhir_references WHERE resourceType = 'CarePlan' AND code = 'subject' AND targetId = ?", [plan.patientId]);
      expect(found.map((r) => r.resourceId)).to.deep.equal([plan.id]);
    });
  });
}
