import { expect } from 'chai';
import { QueryTypes, Transaction } from 'sequelize';
import { openDatabase } from '../../db/connection.js';
import { buildApp } from '../../server/app.js';
import { lockPatient } from '../../server/appointments/locks.js';
import { book, doctorWithSlots, freeSlotsOf, quickPatient } from '../support/appointments.js';
import { mysqlUnavailableReason } from '../support/databases.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * MariaDB only: the row locks, deadlocks and lock waits under test exist on a server with concurrent writers
 * (SQLite has one writer, queued in the process). Under CI=true an unreachable MariaDB fails the suite.
 */
describe('locks and lost races on MariaDB', function () {
  let hospital: TestNode;
  /** A second instance on the same database whose lock waits end after 3 s (innodb_lock_wait_timeout follows TRANSACTION_TIMEOUT_MS). */
  let impatient: TestNode;
  before(async function () {
    const reason = await mysqlUnavailableReason();
    if (reason && process.env.CI) throw new Error(`${reason} (the MySQL suites are mandatory in CI)`);
    if (reason) {
      console.error(`\n  SKIPPING "locks and lost races on MariaDB": ${reason}\n`);
      this.skip();
    }
    hospital = await startTestNode('mysql');
    const config = { ...hospital.config, transactionTimeoutMs: 3_000 };
    const db = await openDatabase(config.databaseUrl, { transactionTimeoutMs: config.transactionTimeoutMs });
    impatient = { ...hospital, ...buildApp({ config, db, keys: hospital.node.keys }), db, config };
  });
  after(async () => {
    await impatient?.db.close();
  });

  /** The transactions on this test's database that wait for a row lock now (other suites share the server). */
  async function waitingTransactions(): Promise<number> {
    const [row] = await hospital.db.sequelize.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
       WHERE t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE()`, { type: QueryTypes.SELECT });
    return Number(row.n);
  }

  it('when a booking locks its patient, then the lock is a changed row, which a Galera cluster certifies across nodes (a read lock is not)', async () => {
    const patient = await quickPatient(hospital);
    const modified = await hospital.db.transaction(async (tx) => {
      await lockPatient(hospital.db, patient.patientId, tx);
      const [row] = await hospital.db.sequelize.query<{ n: number }>(
        'SELECT trx_rows_modified AS n FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()',
        { type: QueryTypes.SELECT, transaction: tx });
      return Number(row.n);
    });
    expect(modified).to.equal(1);
  });

  it('when a booking loses a deadlock to another transaction and its retries lose too, then 503 database-busy with Retry-After, and nothing is booked', async () => {
    const doctor = await doctorWithSlots(hospital);
    const patient = await quickPatient(hospital);
    const [slot, ...others] = await freeSlotsOf(hospital, doctor.practitionerId);
    const { sequelize } = hospital.db;
    // Another writer, heavier than a booking (InnoDB rolls back the lighter side of a deadlock), holds the slot.
    const other = await sequelize.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED });
    try {
      await sequelize.query("UPDATE slots SET visitTypes = 'in-person' WHERE id IN (?)", { replacements: [others.slice(0, 20).map((s) => s.id)], transaction: other });
      await sequelize.query('UPDATE slots SET status = status WHERE id = ?', { replacements: [slot.id], transaction: other });

      // The booking locks its patient, then waits for the slot; the other writer then wants the patient: a deadlock.
      // (Once it is seen waiting; should it lose its lock wait first, it loses the same way: lock waits to the end.)
      let answered = false;
      const answer = book(impatient, patient.token, slot.id).then((res) => { answered = true; return res; });
      while (!answered && await waitingTransactions() === 0) await sleep(20);
      if (!answered) await sequelize.query('UPDATE patients SET bookingLock = bookingLock + 1 WHERE id = ?', { replacements: [patient.patientId], transaction: other });
      // The booking was the victim; its retries now wait for the patient the other writer holds, until the lock wait ends.
      const res = await answer;

      expect(res.status).to.equal(503);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.headers['retry-after']).to.equal('2');
      expect(res.body).to.include({ code: 'database-busy', status: 503 });
      expect(JSON.stringify(res.body)).not.to.match(/deadlock|ER_LOCK|at .*\.ts/i);
    } finally {
      await other.rollback();
    }
    expect(await hospital.db.models.Appointment.count({ where: { patientId: patient.patientId } })).to.equal(0);
    expect((await hospital.db.models.Slot.findByPk(slot.id, { rejectOnEmpty: true })).status).to.equal('free');
    await book(hospital, patient.token, slot.id).expect(201);
  });
});
