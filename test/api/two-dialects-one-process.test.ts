import { expect } from 'chai';
import { openDatabase } from '../../db/connection.js';
import { migrate } from '../../db/migrate.js';
import { createEmptyDatabase, mysqlUnavailableReason } from '../support/databases.js';

describe('a SQLite and a MySQL database in one process (as the tests run them)', () => {
  before(async function () {
    const reason = await mysqlUnavailableReason();
    if (reason && process.env.CI) throw new Error(reason);
    if (reason) {
      console.error(`\n  SKIPPING the two-dialect test: ${reason}\n`);
      this.skip();
    }
  });

  it('when a SQLite database is opened after a MySQL one, then the MySQL one still stores its timestamps', async () => {
    const mysql = await openDatabase(await createEmptyDatabase('mysql'));
    const sqlite = await openDatabase(await createEmptyDatabase('sqlite'));
    try {
      await migrate(mysql);
      await migrate(sqlite);
      const org = { id: 'two-dialects', name: 'Two dialects', kind: 'hospital' as const, identifier: null };
      await mysql.models.Organization.create(org);
      await sqlite.models.Organization.create(org);
      const stored = await mysql.models.Organization.findByPk(org.id, { rejectOnEmpty: true });
      expect(Math.abs(stored.createdAt.getTime() - Date.now())).to.be.below(60_000);
    } finally {
      await Promise.all([mysql.close(), sqlite.close()]);
    }
  });
});
