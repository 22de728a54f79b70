import { expect } from 'chai';
import { openDatabase, WriterTimeout, type Database } from '../../db/connection.js';
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
  
    it('when the database closes while units of work still wait for the writer, then each one is stored whole before it closes', async () => {
      const url = await createEmptyDatabase(dialect);
      const db = await openDatabase(url);
      await migrate(db);
      const units = Array.from({ length: 20 }, (_, n) => db.transaction(async (tx) => {
        await db.models.Organization.create({ id: `closing-${n}`, name: `Closing ${n}`, kind: 'hospital', identifier: null }, { transaction: tx });
        await db.models.Organization.update({ name: `Closing ${n}, renamed` }, { where: { id: `closing-${n}` }, transaction: tx });
      }));
      const closed = db.close();
      const outcomes = await Promise.allSettled(units);
      await closed;
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).to.deep.equal([]);
      const reopened = await openDatabase(url);
      try {
        const names = (await reopened.models.Organization.findAll({ where: { kind: 'hospital' } })).map((o) => o.name).filter((name) => name.startsWith('Closing'));
        expect(names.sort()).to.deep.equal(Array.from({ length: 20 }, (_, n) => `Closing ${n}, renamed`).sort());
      } finally {
        await reopened.close();
      }
    });

    describe('units of work', () => {
      let db: Database;
      before(async () => {
        db = await openDatabase(await createEmptyDatabase(dialect), { transactionTimeoutMs: 300 });
        await migrate(db);
      });
      after(() => db.close());
      const org = (id: string) => ({ id, name: id, kind: 'hospital' as const, identifier: null });
      const exists = async (id: string) => (await db.models.Organization.findByPk(id)) !== null;

      it('when a write inside a transaction forgets its transaction, then it joins it (no wait on its own lock) and rolls back with it', async () => {
        const attempt = db.transaction(async (tx) => {
          await db.models.Organization.create(org('joined-first'), { transaction: tx });
          await db.models.Organization.create(org('joined-forgotten'));
          throw new Error('the use case failed after both writes');
        });
        await attempt.then(() => expect.fail('should have failed'), (error: Error) => expect(error.message).to.include('failed after'));
        expect([await exists('joined-first'), await exists('joined-forgotten')]).to.deep.equal([false, false]);
      });

      it('when a transaction runs inside another, then it is a savepoint: its failure undoes only its own writes', async () => {
        await db.transaction(async (tx) => {
          await db.models.Organization.create(org('outer-kept'), { transaction: tx });
          await db.transaction(async (inner) => {
            await db.models.Organization.create(org('inner-undone'), { transaction: inner });
            throw new Error('inner failure');
          }).catch(() => undefined);
        });
        expect([await exists('outer-kept'), await exists('inner-undone')]).to.deep.equal([true, false]);
      });

      it('when a transaction holds the writer past its time limit, then its next statement fails it and nothing of it is saved', async () => {
        const attempt = db.transaction(async (tx) => {
          await db.models.Organization.create(org('too-slow'), { transaction: tx });
          await new Promise((r) => setTimeout(r, 400));
          await db.models.Organization.create(org('too-slow-2'), { transaction: tx });
        });
        const error = await attempt.then(() => null, (e: unknown) => e);
        expect(error).to.be.instanceOf(WriterTimeout);
        expect(await exists('too-slow')).to.equal(false);
        await db.transaction((tx) => db.models.Organization.create(org('after-the-slow-one'), { transaction: tx }));
        expect(await exists('after-the-slow-one'), 'the writer is free again').to.equal(true);
      });

      const auditRow = (n: number | string) => ({
        recordedAt: new Date(), action: 'R', activity: 'read', outcome: '0', actorUserId: null, actorRole: null, resourceType: 'Patient',
        resourceId: `group-${n}`, patientId: null, sourceIp: '127.0.0.1', requestId: `group-commit-${n}`, detail: null,
      });
      /** Counts the INSERT statements db.execute is given while `work` runs. */
      async function countingInserts(work: () => Promise<unknown>): Promise<number> {
        const execute = db.execute;
        let inserts = 0;
        db.execute = (sql, params, tx) => {
          if (/^\s*INSERT/i.test(sql)) inserts++;
          return execute(sql, params, tx);
        };
        try {
          await work();
        } finally {
          db.execute = execute;
        }
        return inserts;
      }

      it('when 200 rows are appended at once outside any transaction, then they share commits and every one is stored', async () => {
        const { AuditEvent } = db.models;
        const inserts = await countingInserts(() => Promise.all(Array.from({ length: 200 }, (_, n) => db.appendCommitted(AuditEvent, auditRow(n)))));
        expect(await AuditEvent.count({ where: { activity: 'read', resourceType: 'Patient' } })).to.equal(200);
        expect(inserts, 'INSERT statements for 200 rows').to.be.within(1, 2);
      });

      it('when rows are appended while other writes hold the writer, then a row appended after the first commits with it, not one turn later', async () => {
        const { AuditEvent } = db.models;
        const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
        const inserts = await countingInserts(async () => {
          // A write holds the writer (SQLite) for 300 ms; meanwhile a read's audit row, another write, a second audit row.
          const busy = db.transaction(async (tx) => {
            await db.models.Organization.create(org('holds-the-writer'), { transaction: tx });
            await pause(300);
          });
          await pause(30);
          const first = db.appendCommitted(AuditEvent, auditRow('while-busy-1'));
          await pause(30);
          const queuedWrite = db.transaction((tx) => db.models.Organization.create(org('queued-behind'), { transaction: tx }));
          await pause(30);
          const second = db.appendCommitted(AuditEvent, auditRow('while-busy-2'));
          await Promise.all([busy, first, queuedWrite, second]);
        });
        const stored = await AuditEvent.count({ where: { resourceId: ['group-while-busy-1', 'group-while-busy-2'] } });
        expect(stored).to.equal(2);
        expect(await Promise.all(['holds-the-writer', 'queued-behind'].map(exists))).to.deep.equal([true, true]);
        // On SQLite both rows waited for the writer: the first row's unit took the second one too when its turn came.
        // (MySQL has no writer queue: the first row commits at once, beside the held write, and the second after it.)
        if (dialect === 'sqlite') expect(inserts, 'audit INSERTs for the two rows').to.equal(1);
      });

      it('when a read\'s audit row comes behind long writes already waiting, then it commits before them, not after', async () => {
        const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
        const settled: string[] = [];
        // A write holds the writer (SQLite) for 200 ms; a long one (a chunk of an import) waits; then a read's audit row.
        const busy = db.transaction(async (tx) => {
          await db.models.Organization.create(org('first-in-line'), { transaction: tx });
          await pause(200);
        });
        await pause(30);
        const longWrite = db.transaction(async (tx) => {
          await db.models.Organization.create(org('long-write'), { transaction: tx });
          await pause(300);
        }).then(() => settled.push('long write'));
        await pause(30);
        const audit = db.appendCommitted(db.models.AuditEvent, auditRow('behind-writes')).then(() => settled.push('audit row'));
        await Promise.all([busy, longWrite, audit]);
        expect(settled).to.deep.equal(['audit row', 'long write']);
        expect(await db.models.AuditEvent.count({ where: { resourceId: 'group-behind-writes' } })).to.equal(1);
      });

      it('when transactions move amounts between rows while reads sum them, then every read sees one whole snapshot', async function () {
        this.timeout(120_000);
        // 20,000 rows of about 200 bytes: SQLite's pages, which each commit dirties about 40 of, so the WAL passes
        // its checkpoint size every few dozen commits while the reads go on.
        const ROWS = 20_000;
        await db.sequelize.query('CREATE TABLE ledger_lines (id INTEGER NOT NULL PRIMARY KEY, amount INTEGER NOT NULL, pad VARCHAR(255) NOT NULL)');
        try {
          for (let from = 0; from < ROWS; from += 500) {
            const ids = Array.from({ length: 500 }, (_, i) => from + i);
            await db.execute(`INSERT INTO ledger_lines (id, amount, pad) VALUES ${ids.map(() => '(?, 0, ?)').join(', ')}`, ids.flatMap((id) => [id, 'x'.repeat(200)]));
          }
          const until = Date.now() + 3_000;
          let commits = 0;
          const sums: Array<{ total: number; lines: number }> = [];
          const randomLine = () => Math.floor(Math.random() * ROWS);
          const moving = (async () => {
            while (Date.now() < until) {
              await db.transaction(async (tx) => {
                for (let i = 0; i < 20; i++) {
                  const amount = 1 + Math.floor(Math.random() * 100);
                  await db.execute('UPDATE ledger_lines SET amount = amount + ? WHERE id = ?', [amount, randomLine()], tx);
                  await db.execute('UPDATE ledger_lines SET amount = amount - ? WHERE id = ?', [amount, randomLine()], tx);
                }
              });
              commits++;
            }
          })();
          const summing = Array.from({ length: 3 }, async () => {
            while (Date.now() < until) {
              const [row] = await db.select<{ total: number | string; count: number | string }>('SELECT SUM(amount) AS total, COUNT(*) AS count FROM ledger_lines', []);
              sums.push({ total: Number(row.total), lines: Number(row.count) });
            }
          });
          await Promise.all([moving, ...summing]);
          expect(commits, 'commits during the reads').to.be.above(20);
          expect(sums.length, 'sums read beside the commits').to.be.above(20);
          expect(sums.filter((sum) => sum.total !== 0 || sum.lines !== ROWS), 'sums that mixed two states').to.deep.equal([]);
        } finally {
          await db.sequelize.query('DROP TABLE ledger_lines');
        }
      });

      it('when 20 units of work arrive at once and one fails, then the other 19 are stored (sharing commits on SQLite) and the failed one left nothing', async () => {
        const { sequelize } = db;
        const begin = sequelize.transaction.bind(sequelize) as (...args: unknown[]) => Promise<unknown>;
        let transactions = 0;
        (sequelize as unknown as { transaction: unknown }).transaction = (...args: unknown[]) => {
          if (!(args[0] as { transaction?: unknown } | undefined)?.transaction) transactions++; // not a savepoint
          return begin(...args);
        };
        let outcomes: PromiseSettledResult<unknown>[];
        try {
          outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => db.transaction(async (tx) => {
            await db.models.Organization.create(org(`batched-${n}`), { transaction: tx });
            if (n === 7) throw new Error('unit 7 fails after its write');
          })));
        } finally {
          (sequelize as unknown as { transaction: unknown }).transaction = begin;
        }
        expect(outcomes.map((o) => o.status)).to.deep.equal(Array.from({ length: 20 }, (_, n) => (n === 7 ? 'rejected' : 'fulfilled')));
        const stored = await Promise.all(Array.from({ length: 20 }, (_, n) => exists(`batched-${n}`)));
        expect(stored).to.deep.equal(Array.from({ length: 20 }, (_, n) => n !== 7));
        if (dialect === 'sqlite') expect(transactions, 'SQLite transactions for 20 units').to.be.below(20);
      });

      it('when a unit of work outlives its time limit beside others queued with it, then it alone fails and theirs are stored', async () => {
        const outcomes = await Promise.allSettled([
          db.transaction(async (tx) => {
            await db.models.Organization.create(org('slow-among-others'), { transaction: tx });
            await new Promise((r) => setTimeout(r, 400));
            await db.models.Organization.create(org('slow-among-others-2'), { transaction: tx });
          }),
          ...['quick-1', 'quick-2'].map((id) => db.transaction((tx) => db.models.Organization.create(org(id), { transaction: tx }))),
        ]);
        expect(outcomes[0].status).to.equal('rejected');
        expect((outcomes[0] as PromiseRejectedResult).reason).to.be.instanceOf(WriterTimeout);
        expect(outcomes.slice(1).map((o) => o.status)).to.deep.equal(['fulfilled', 'fulfilled']);
        expect(await Promise.all(['slow-among-others', 'quick-1', 'quick-2'].map(exists))).to.deep.equal([false, true, true]);
      });
    });
  });
}
