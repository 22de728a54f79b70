import type { Database } from '../../db/connection.js';
import { nextVersion } from '../../db/versions.js';
import type { Caller } from '../auth/caller.js';
import * as records from '../fhir/repository/records.js';
import { Forbidden } from '../http/errors.js';
import { appointmentFor } from './appointment-access.js';
import { notActive } from './cancel-appointment.js';
import { lockPatient } from './locks.js';
import { queueRescheduled, type NotificationSettings } from './notifications.js';
import { assertBeforeCutoff } from './rules/cancellation-cutoff.js';
import { assertNoOverlappingAppointment } from './rules/no-overlapping-appointment.js';
import { assertSameDoctorUnlessPatient } from './rules/same-doctor-unless-patient.js';
import { assertSlotBookable, slotTaken } from './rules/slot-is-bookable.js';
import { holdSlot, releaseSlot } from './slot-hold.js';

export interface RescheduleOptions extends NotificationSettings { cancellationCutoffMinutes: number; now?: Date }

/**
 * Use case: move an appointment to another slot, atomically. In one transaction the new slot is held first
 * (conditional update); only then does the appointment move (conditional on still holding the old slot) and the
 * old slot become free. If the new slot is taken, the transaction rolls back and the old booking stays as it was.
 */
export async function rescheduleAppointment(db: Database, caller: Caller, appointmentId: string, newSlotId: string, options: RescheduleOptions) {
  const now = options.now ?? new Date();
  if (caller.role !== 'patient' && caller.role !== 'admin') {
    throw new Forbidden('wrong-role', 'Only the patient (or an admin on their behalf) reschedules an appointment.');
  }
  const appointment = await appointmentFor(db, caller, appointmentId, 'write');
  if (appointment.status !== 'booked') throw notActive(appointment, 'rescheduled');
  assertBeforeCutoff(appointment, caller, options.cancellationCutoffMinutes, now, 'reschedule');
  const slot = await db.models.Slot.findByPk(newSlotId);
  assertSlotBookable(slot, newSlotId, appointment.visitType, now);
  assertSameDoctorUnlessPatient(caller, appointment, slot);
  const previous = { slotId: appointment.slotId, start: appointment.start };
  return db.transaction(async (tx) => {
    const { Appointment } = db.models;
    await lockPatient(db, appointment.patientId, tx);
    await assertNoOverlappingAppointment(db, tx, appointment.patientId, slot, appointment.id);
    if (!(await holdSlot(db, slot, tx, now))) throw slotTaken(slot.id);
    const act = { action: 'U' as const, activity: 'reschedule', detail: `from slot ${previous.slotId} to ${slot.id}` };
    const current = await records.change({ db, caller, tx }, 'Appointment', appointmentId, act, async () => {
      const [moved] = await Appointment.update({
        slotId: slot.id, heldSlotId: slot.id, practitionerId: slot.practitionerId, start: slot.start, end: slot.end,
        versionId: nextVersion(db),
      }, { where: { id: appointmentId, status: 'booked', heldSlotId: previous.slotId }, transaction: tx });
      const moving = await Appointment.findByPk(appointmentId, { transaction: tx, rejectOnEmpty: true });
      if (moved !== 1) throw notActive(moving, 'rescheduled');
      return moving;
    });
    await current.reload({ transaction: tx });
    await releaseSlot(db, previous.slotId, tx, now);
    await queueRescheduled(db, tx, current, previous.start, options, now);
    return current;
  });
}
