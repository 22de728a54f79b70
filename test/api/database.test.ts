import { expect } from 'chai';
import { openDatabase } from '../../db/connection.js';
import { migrate, pendingMigrations } from '../../db/migrate.js';
import { migrations } from '../../db/migrations/index.js';
import { seedDemoHospital } from '../../db/seeds/demo-hospital.js';
import { createEmptyDatabase, DIALECTS, mysqlUnavailableReason } from '../support/databases.js';

for (const dialect of DIALECTS) {
  describe(`database schema and demo seed [${dialect}]`, function () {
    before(async function () {
      const reason = dialect === 'mysql' ? await mysqlUnavailableReason() : null;
      if (reason && process.env.CI) throw new Error(reason);
      if (reason) this.skip();
    });

    it('when migrations run on an empty database, then every table exists and a second run applies nothing', async () => {
      const db = await openDatabase(await createEmptyDatabase(dialect));
      try {
        expect(await pendingMigrations(db)).to.deep.equal(migrations.map((m) => m.name));
        expect(await migrate(db)).to.deep.equal(migrations.map((m) => m.name));
        const tables = (await db.sequelize.getQueryInterface().showAllTables()).map(String);
        expect(tables).to.include.members(['organizations', 'patients', 'practitioners', 'coverages', 'encounters',
          'conditions', 'users', 'refresh_tokens', 'audit_events', 'schedules', 'availability_rules', 'schedule_exceptions',
          'slots', 'appointments', 'resource_versions', 'observations', 'schema_migrations']);
        expect(await migrate(db)).to.deep.equal([]);
      } finally {
        await db.close();
      }
    });

    it('when the demo seed runs twice, then the second run writes nothing', async () => {
      const db = await openDatabase(await createEmptyDatabase(dialect));
      try {
        await migrate(db);
        expect(await seedDemoHospital(db, 'a demo password')).to.equal(true);
        const counts = async () => Promise.all([db.models.User.count(), db.models.Patient.count(),
          db.models.Organization.count(), db.models.Condition.count()]);
        const first = await counts();
        expect(first).to.deep.equal([6, 2, 2, 1]);
        expect(await seedDemoHospital(db, 'a demo password')).to.equal(false);
        expect(await counts()).to.deep.equal(first);
      } finally {
        await db.close();
      }
    });

    it('when a transaction fails half-way, then none of its writes remain', async () => {
      const db = await openDatabase(await createEmptyDatabase(dialect));
      try {
        await migrate(db);
        const attempt = db.transaction(async (tx) => {
          await db.models.Organization.create({ id: 'half-written', name: 'Half', kind: 'hospital', identifier: null }, { transaction: tx });
          throw new Error('something failed after the first write');
        });
        await attempt.then(() => expect.fail('should have failed'), (error: Error) => expect(error.message).to.include('failed'));
        expect(await db.models.Organization.findByPk('half-written')).to.equal(null);
      } finally {
        await db.close();
      }
    });
  });
}
