import { expect } from 'chai';
import { SequelizeStorage, Umzug } from 'umzug';
import { openDatabase } from '../../db/connection.js';
import { migrate } from '../../db/migrate.js';
import { migrations } from '../../db/migrations/index.js';
import { createEmptyDatabase, DIALECTS, mysqlUnavailableReason } from '../support/databases.js';

/** A database as the release before migration 0190 left it: the resources stored, no composite or reference-identifier rows. */
const BEFORE = '0170-notification-inbox';

for (const dialect of DIALECTS) {
  describe(`FHIR repository search index upgrade [${dialect}]`, function () {
    before(async function () {
      const reason = dialect === 'mysql' ? await mysqlUnavailableReason() : null;
      if (reason && process.env.CI) throw new Error(reason);
      if (reason) this.skip();
    });

    it('when a database with stored resources is upgraded, then their composite values and reference identifiers are indexed', async () => {
      const db = await openDatabase(await createEmptyDatabase(dialect));
      try {
        const context = db.sequelize.getQueryInterface();
        await new Umzug({ migrations, context, storage: new SequelizeStorage({ sequelize: db.sequelize, tableName: 'schema_migrations' }), logger: undefined })
          .up({ to: BEFORE });
        const store = (resource: Record<string, unknown> & { resourceType: string; id: string }, deleted = false) => db.models.FhirResource.create({
          resourceType: resource.resourceType, id: resource.id, versionId: 1, lastUpdated: new Date(), deleted, content: JSON.stringify(resource),
        });
        await store({
          resourceType: 'Group', id: 'g1', type: 'person', actual: false,
          characteristic: [{ code: { coding: [{ system: 'http://example.org/t', code: 'smoking' }] }, valueCodeableConcept: { coding: [{ code: 'current' }] }, exclude: false }],
        });
        await store({
          resourceType: 'MedicationRequest', id: 'm1', status: 'active', intent: 'order', medicationCodeableConcept: { text: 'x' },
          subject: { identifier: { system: 'http://example.org/mrn', value: 'MRN-1' } },
        });
        await store({ resourceType: 'Group', id: 'g2', type: 'person', actual: false, characteristic: [{ code: { text: 'x' }, valueBoolean: true, exclude: false }] }, true);
        expect(await migrate(db)).to.include('0190-fhir-search-composites');
        const composites = await db.models.FhirComposite.findAll({ raw: true }) as unknown as Array<Record<string, unknown>>;
        expect(composites.map((c) => [c.resourceId, c.code, c.value, c.value2])).to.deep.equal([['g1', 'characteristic-value', 'smoking', 'current']]);
        const identifiers = await db.models.FhirToken.findAll({ where: { code: 'subject:identifier' }, raw: true }) as unknown as Array<Record<string, unknown>>;
        expect(identifiers.map((t) => [t.resourceId, t.system, t.value])).to.deep.equal([['m1', 'http://example.org/mrn', 'MRN-1']]);
      } finally {
        await db.close();
      }
    });
  });
}
