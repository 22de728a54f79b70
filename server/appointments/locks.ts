import type { Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import { patientNotFound } from '../auth/patient-access.js';
import { NotFound } from '../http/errors.js';

/**
 * Row locks that serialise the writes that must not interleave (SELECT … FOR UPDATE on MySQL/MariaDB/TiDB;
 * on SQLite every write transaction is already exclusive, so Sequelize leaves the clause out).
 *  - a patient's bookings (the no-overlap rule reads, then inserts: the lock makes that read safe);
 *  - a practitioner's schedule (two regenerations must not insert the same slots).
 */
export async function lockPatient(db: Database, patientId: string, tx: Transaction): Promise<void> {
  // SQLite: the IMMEDIATE transaction already excludes every other writer; the patient came from a verified token.
  if (db.dialect === 'sqlite') return;
  const patient = await db.models.Patient.findByPk(patientId, { attributes: ['id'], transaction: tx, lock: tx.LOCK.UPDATE });
  if (!patient) throw patientNotFound(patientId);
}

export async function lockPractitioner(db: Database, practitionerId: string, tx: Transaction) {
  const practitioner = await db.models.Practitioner.findByPk(practitionerId, { transaction: tx, lock: tx.LOCK.UPDATE });
  if (!practitioner) throw new NotFound('practitioner-not-found', `No practitioner with id ${practitionerId}.`);
  return practitioner;
}
