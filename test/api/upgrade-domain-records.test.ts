import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import type { Database } from '../../db/connection.js';
import { domainRecords } from '../../db/migrations/0320-domain-records.js';
import { seedDemoStory } from '../../db/seeds/demo-story.js';
import { generateSigningKey, keyRing } from '../../server/auth/keys.js';
import { createEmptyDatabase, DIALECTS, mysqlUnavailableReason } from '../support/databases.js';
import { startTestNodeOn, type TestNode } from '../support/test-node.js';

type Row = Record<string, unknown>;

/** Each domain type and the table its rows are in (PractitionerRole shares the practitioner's row). */
const RECORDS: Array<[type: string, table: string]> = [
  ['Patient', 'patients'], ['Practitioner', 'practitioners'], ['PractitionerRole', 'practitioners'], ['Organization', 'organizations'],
  ['Coverage', 'coverages'], ['Condition', 'conditions'], ['Encounter', 'encounters'], ['Observation', 'observations'],
  ['DiagnosticReport', 'diagnostic_reports'], ['Schedule', 'schedules'], ['Slot', 'slots'], ['Appointment', 'appointments'],
];
const TYPES = RECORDS.map(([type]) => type);
/** The rows the previous release kept no version of (seeded readings, slots opened in bulk): the upgrade writes them. */
const UNVERSIONED = new Set(['observations', 'slots']);
const LOOKUPS = ['fhir_tokens', 'fhir_strings', 'fhir_dates', 'fhir_references', 'fhir_quantities', 'fhir_uris', 'fhir_composites', 'fhir_compartments'];
const SECOND = 1000;

const select = (db: Database, sql: string, replacements: unknown[] = []) => db.sequelize.query<Row>(sql, { replacements, type: QueryTypes.SELECT });
const inTypes = `(${TYPES.map(() => '?').join(', ')})`;
const withoutMeta = (content: unknown): Row => {
  const resource = JSON.parse(String(content)) as Row;
  delete resource.meta;
  return resource;
};

/** The stored resources of the domain types, by type/id, as read serves them. */
async function storedResources(db: Database): Promise<Map<string, Row>> {
  const rows = await select(db, `SELECT resourceType, id, content FROM fhir_resources WHERE resourceType IN ${inTypes}`, TYPES);
  return new Map(rows.map((r) => [`${String(r.resourceType)}/${String(r.id)}`, JSON.parse(String(r.content)) as Row]));
}

/** Every lookup row of the domain types (without its own key), sorted: what the searches find them by. */
async function lookupRows(db: Database): Promise<string[]> {
  const all: string[] = [];
  for (const table of LOOKUPS) {
    for (const row of await select(db, `SELECT * FROM ${table} WHERE resourceType IN ${inTypes}`, TYPES)) {
      delete row.id;
      all.push(`${table} ${JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])))}`);
    }
  }
  return all.sort();
}

/** The whole of what the upgrade writes, to see that a second run changes nothing. */
async function everythingWritten(db: Database): Promise<unknown> {
  return {
    resources: [...(await storedResources(db)).entries()].sort(),
    versions: await select(db, `SELECT resourceType, resourceId, versionId, content FROM resource_versions WHERE resourceType IN ${inTypes} ORDER BY id`, TYPES),
    lookups: await lookupRows(db),
  };
}

/**
 * What the previous release left: no stored resource, no lookup rows and no resource versions of these types; in
 * resource_versions the row itself (recordVersion wrote the plain row JSON as each version), at each of its
 * versions, recorded a second apart and ending at the row's updatedAt; an appointment was `booked` at version 1.
 * Readings and slots kept no version at all.
 */
async function asThePreviousReleaseLeftIt(db: Database): Promise<void> {
  for (const table of LOOKUPS) await db.sequelize.query(`DELETE FROM ${table} WHERE resourceType IN ${inTypes}`, { replacements: TYPES });
  await db.sequelize.query(`DELETE FROM fhir_resources WHERE resourceType IN ${inTypes}`, { replacements: TYPES });
  await db.sequelize.query(`DELETE FROM resource_versions WHERE resourceType IN ${inTypes}`, { replacements: TYPES });
  for (const [type, table] of RECORDS) {
    if (type === 'PractitionerRole' || UNVERSIONED.has(table)) continue;
    for (const instance of await modelOf(db, table).findAll()) {
      const row = instance.get({ plain: true }) as Row & { versionId: number; updatedAt: Date };
      for (let version = 1; version <= row.versionId; version++) {
        const recordedAt = new Date(row.updatedAt.getTime() - (row.versionId - version) * SECOND);
        const then = { ...row, versionId: version, updatedAt: recordedAt, ...(table === 'appointments' && version === 1 ? { status: 'booked' } : {}) };
        await db.sequelize.getQueryInterface().bulkInsert('resource_versions', [{
          resourceType: type, resourceId: row.id, versionId: version, recordedAt, content: JSON.stringify(then),
        }]);
      }
    }
  }
}

function modelOf(db: Database, table: string) {
  const model = Object.values(db.models).find((m) => m.getTableName() === table);
  if (!model) throw new Error(`no model for ${table}`);
  return model as typeof db.models.Patient;
}

for (const dialect of DIALECTS) {
  describe(`upgrade in place: the domain records [${dialect}]`, function () {
    let hospital: TestNode | undefined;
    before(async function () {
      if (dialect === 'mysql') {
        const reason = await mysqlUnavailableReason();
        if (reason && process.env.CI) throw new Error(`${reason} (the MySQL suites are mandatory in CI)`);
        if (reason) {
          console.error(`\n  SKIPPING "upgrade in place: the domain records [mysql]": ${reason}\n`);
          this.skip();
        }
      }
    });
    after(async () => hospital?.db.close());

    it('when a database of the previous release is upgraded, then every patient, doctor, booking, slot and reading is its stored resource again, with every version, found by its lookups; a second run changes nothing', async function () {
      // The demo story also bills its visits (claims, the insurer's answer): more than the default minute on a busy machine.
      this.timeout(180_000);
      hospital = await startTestNodeOn(dialect, await createEmptyDatabase(dialect));
      const { db, app } = hospital;
      await seedDemoStory(db, keyRing([generateSigningKey()]), hospital.config);
      const written = await storedResources(db);
      // The demo seed stores every row it writes (nothing is left for a read to make up from the row).
      for (const [type, table] of RECORDS) {
        const ids = (await select(db, `SELECT id FROM ${table}`)).map((r) => `${type}/${String(r.id)}`);
        expect(ids.filter((key) => !written.has(key)), `${type} rows without a stored resource`).to.deep.equal([]);
      }
      const lookupsWritten = await lookupRows(db);

      await asThePreviousReleaseLeftIt(db);
      expect((await storedResources(db)).size).to.equal(0);
      await domainRecords.up({ context: db.sequelize.getQueryInterface() });

      // Every resource as it was, element for element; its version is the row's.
      const upgraded = await storedResources(db);
      expect([...upgraded.keys()].sort()).to.deep.equal([...written.keys()].sort());
      for (const [key, resource] of written) expect(withoutMeta(JSON.stringify(upgraded.get(key))), key).to.deep.equal(withoutMeta(JSON.stringify(resource)));
      for (const [type, table] of RECORDS) {
        for (const row of await select(db, `SELECT id, versionId FROM ${table}`)) {
          const meta = upgraded.get(`${type}/${String(row.id)}`)!.meta as { versionId: string };
          expect(meta.versionId, `${type}/${String(row.id)}`).to.equal(String(row.versionId));
        }
      }
      // The lookup rows are the ones the repository wrote.
      expect(await lookupRows(db)).to.deep.equal(lookupsWritten);

      // Every version is a resource, from version 1 to the stored one; the newest is the stored resource.
      const versions = await select(db, `SELECT resourceType, resourceId, versionId, content FROM resource_versions WHERE resourceType IN ${inTypes} ORDER BY versionId`, TYPES);
      for (const [key, resource] of upgraded) {
        const mine = versions.filter((v) => `${String(v.resourceType)}/${String(v.resourceId)}` === key);
        const stored = Number((resource.meta as { versionId: string }).versionId);
        const expected = UNVERSIONED.has(RECORDS.find(([type]) => key.startsWith(`${type}/`))![1]) ? [...new Set([1, stored])] : Array.from({ length: stored }, (_, i) => i + 1);
        expect(mine.map((v) => Number(v.versionId)), key).to.deep.equal(expected);
        for (const version of mine) expect(JSON.parse(String(version.content)).resourceType, key).to.equal(key.split('/')[0]);
        expect(JSON.parse(String(mine[mine.length - 1].content))).to.deep.equal(resource);
      }

      // Through /fhir: Alice's appointments are found by her reference; the history of the one she attended has
      // every version, the first as it was booked.
      const token = await hospital.tokenFor('admin@demo.test');
      const [alice] = await select(db, "SELECT id FROM patients WHERE email = 'alice@demo.test'");
      const found = await request(app).get(`/fhir/Appointment?patient=${String(alice.id)}&_count=100`).set('Authorization', `Bearer ${token}`).expect(200);
      const mine = (found.body.entry as Array<{ resource: Row }>).map((e) => e.resource);
      const appointments = await select(db, 'SELECT id, versionId FROM appointments WHERE patientId = ?', [alice.id]);
      expect(mine.map((r) => r.id).sort()).to.deep.equal(appointments.map((a) => a.id).sort());
      for (const resource of mine) expect(resource).to.deep.equal(upgraded.get(`Appointment/${String(resource.id)}`));
      const moved = appointments.find((a) => Number(a.versionId) > 1)!;
      const history = await request(app).get(`/fhir/Appointment/${String(moved.id)}/_history`).set('Authorization', `Bearer ${token}`).expect(200);
      expect(history.body.total).to.equal(Number(moved.versionId));
      const oldest = history.body.entry[history.body.entry.length - 1];
      expect([oldest.resource.meta.versionId, oldest.resource.status, oldest.request.method]).to.deep.equal(['1', 'booked', 'POST']);
      // A parameter no column holds (Patient.telecom) is searched on the lookup rows the upgrade wrote.
      const byTelecom = await request(app).get('/fhir/Patient?telecom=alice@demo.test').set('Authorization', `Bearer ${token}`).expect(200);
      expect((byTelecom.body.entry as Array<{ resource: Row }>).map((e) => e.resource)).to.deep.equal([upgraded.get(`Patient/${String(alice.id)}`)]);

      const once = await everythingWritten(db);
      await domainRecords.up({ context: db.sequelize.getQueryInterface() });
      expect(await everythingWritten(db)).to.deep.equal(once);
    });
  });
}
