import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import { patientNotFound } from '../auth/patient-access.js';
import { NotFound } from '../http/errors.js';

/**
 * Locks that serialise the writes that must not interleave. Each is a real write, an increment of a lock counter
 * (migration 0240), taken first in its transaction:
 *  - on MariaDB/MySQL the UPDATE holds the row's lock until commit, so a second transaction waits and then (READ
 *    COMMITTED) reads what the first committed;
 *  - on a Galera cluster the write is certified across nodes (a `SELECT … FOR UPDATE` held on one node only):
 *    of two transactions through two nodes the later one is aborted as a deadlock, and `db.transaction` runs it
 *    again, now seeing the first one's rows;
 *  - on SQLite every write transaction is already exclusive; the write costs little and keeps one code path.
 * What they guard:
 *  - a patient's bookings (the no-overlap rule reads, then inserts: the lock makes that read safe);
 *  - a practitioner's schedule (two regenerations must not insert the same slots).
 */
async function increment(db: Database, table: 'patients' | 'practitioners', column: 'bookingLock' | 'scheduleLock', id: string, tx: Transaction) {
  const [, changed] = await db.sequelize.query(`UPDATE ${table} SET ${column} = ${column} + 1 WHERE id = ?`,
    { replacements: [id], type: QueryTypes.UPDATE, transaction: tx });
  return Number(changed) === 1;
}

export async function lockPatient(db: Database, patientId: string, tx: Transaction): Promise<void> {
  if (!(await increment(db, 'patients', 'bookingLock', patientId, tx))) throw patientNotFound(patientId);
}

export async function lockPractitioner(db: Database, practitionerId: string, tx: Transaction) {
  const locked = await increment(db, 'practitioners', 'scheduleLock', practitionerId, tx);
  const practitioner = locked && await db.models.Practitioner.findByPk(practitionerId, { transaction: tx });
  if (!practitioner) throw new NotFound('practitioner-not-found', `No practitioner with id ${practitionerId}.`);
  return practitioner;
}
