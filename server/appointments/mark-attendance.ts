import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import { nextVersion } from '../../db/versions.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { chargeClosedAppointment, prepareCharging, type ClosingBilling } from '../billing/charge-visit.js';
import { moveVisit } from '../consultations/visit-lifecycle.js';
import * as records from '../fhir/repository/records.js';
import { Conflict, Forbidden } from '../http/errors.js';
import { appointmentFor } from './appointment-access.js';
import { cancelOpenVisit, notActive } from './cancel-appointment.js';

function assertStaff(caller: Caller) {
  if (caller.role !== 'doctor' && caller.role !== 'admin') throw new Forbidden('wrong-role', 'Only the doctor (or an admin) records attendance.');
}

/**
 * Use case: the patient has arrived (checked in / in the waiting room). When the visit is already open it moves
 * through the visit lifecycle, which also moves the appointment; otherwise only the appointment changes.
 * The appointment row is locked first, so the status check and the change cannot interleave with another write.
 */
export async function markArrived(db: Database, caller: Caller, appointmentId: string) {
  assertStaff(caller);
  await appointmentFor(db, caller, appointmentId, 'write');
  return db.transaction(async (tx) => {
    const { Appointment, Encounter } = db.models;
    const appointment = await Appointment.findByPk(appointmentId, { transaction: tx, lock: tx.LOCK.UPDATE, rejectOnEmpty: true });
    if (appointment.status !== 'booked') throw notActive(appointment, 'marked arrived');
    const visit = await Encounter.findOne({ where: { appointmentId, status: 'planned' }, transaction: tx });
    if (visit) {
      // The visit's move changes the appointment with it (visit-lifecycle.ts), audited there as the visit's.
      await moveVisit(db, caller, visit.id, 'arrived', tx);
      await recordAudit(db, caller, { action: 'U', activity: 'arrived', resourceType: 'Appointment', resourceId: appointmentId, patientId: appointment.patientId }, tx);
    } else {
      await records.change({ db, caller, tx }, 'Appointment', appointmentId, { action: 'U', activity: 'arrived' }, () =>
        Appointment.update({ status: 'arrived', versionId: nextVersion(db) }, { where: { id: appointmentId, status: 'booked' }, transaction: tx }));
    }
    return Appointment.findByPk(appointmentId, { transaction: tx, rejectOnEmpty: true });
  });
}

/**
 * Use case: the patient did not come. Only once the start has passed; the slot stays busy (it is history). Given
 * `billing`, the visit's not-billable charge (reason no-show) is written in the same transaction.
 */
export async function markNoShow(db: Database, caller: Caller, appointmentId: string, now = new Date(), billing?: ClosingBilling) {
  assertStaff(caller);
  await appointmentFor(db, caller, appointmentId, 'write');
  if (billing) await prepareCharging();
  return db.transaction(async (tx) => {
    const { Appointment } = db.models;
    await records.change({ db, caller, tx }, 'Appointment', appointmentId, { action: 'U', activity: 'no-show' }, async () => {
      const [marked] = await Appointment.update({ status: 'noshow', versionId: nextVersion(db) },
        { where: { id: appointmentId, status: 'booked', start: { [Op.lte]: now } }, transaction: tx });
      const current = await Appointment.findByPk(appointmentId, { transaction: tx, rejectOnEmpty: true });
      if (marked === 1) return;
      if (current.status !== 'booked') throw notActive(current, 'marked no-show');
      throw new Conflict('appointment-not-started', `The appointment starts at ${current.start.toISOString()}; mark a no-show after that.`);
    });
    await cancelOpenVisit(db, caller, appointmentId, tx);
    await chargeClosedAppointment(db, billing, caller, appointmentId);
    return Appointment.findByPk(appointmentId, { transaction: tx, rejectOnEmpty: true });
  });
}
