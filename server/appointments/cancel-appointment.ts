import { Op, type Transaction } from 'sequelize';
import { z } from 'zod';
import type { Database } from '../../db/connection.js';
import type { Appointment } from '../../db/models/scheduling.js';
import { nextVersion } from '../../db/versions.js';
import type { Caller } from '../auth/caller.js';
import { chargeClosedAppointment, prepareCharging, type ClosingBilling } from '../billing/charge-visit.js';
import { moveVisit } from '../consultations/visit-lifecycle.js';
import * as records from '../fhir/repository/records.js';
import { Conflict, Invalid } from '../http/errors.js';
import { appointmentFor } from './appointment-access.js';
import { queueCancelled } from './notifications.js';
import { assertBeforeCutoff } from './rules/cancellation-cutoff.js';
import { releaseSlot } from './slot-hold.js';

/** The body of a cancellation, of an appointment or of its visit: the reason is required of a doctor. */
export const cancellationInput = z.object({ reason: z.string().max(500).optional() });

export interface CancelOptions { cancellationCutoffMinutes: number; now?: Date; billing?: ClosingBilling }

export const notActive = (appointment: Appointment, wanted: string) =>
  new Conflict('appointment-not-active', `This appointment is ${appointment.status}; it cannot be ${wanted}.`, [], { current: appointment.status });

/**
 * A visit that was opened for the appointment is cancelled with it (same transaction). One the doctor has already
 * admitted cannot be: the move's 409 rolls the whole cancellation back, even when the admit won a race with it.
 */
export async function cancelOpenVisit(db: Database, caller: Caller, appointmentId: string, tx: Transaction) {
  const visit = await db.models.Encounter.findOne({ where: { appointmentId }, transaction: tx });
  if (visit && visit.status !== 'cancelled') await moveVisit(db, caller, visit.id, 'cancelled', tx);
}

/**
 * Use case: cancel. A patient until the cut-off; the doctor (with a reason) or an admin at any time before it is
 * over. The appointment lets go of its slot (heldSlotId = NULL) and a future slot becomes free again.
 */
export async function cancelAppointment(db: Database, caller: Caller, appointmentId: string, reason: string | undefined, options: CancelOptions) {
  const now = options.now ?? new Date();
  const appointment = await appointmentFor(db, caller, appointmentId, 'write');
  if (caller.role === 'doctor' && !reason?.trim()) {
    throw new Invalid('cancellation-reason-required', 'Tell the patient why: a doctor cancels with a reason.', [{ expression: 'body.reason', message: 'required' }]);
  }
  assertBeforeCutoff(appointment, caller, options.cancellationCutoffMinutes, now, 'cancel');
  const cancellable = caller.role === 'patient' ? ['booked'] : ['booked', 'arrived'];
  if (options.billing) await prepareCharging();
  return db.transaction(async (tx) => {
    const { Appointment: Appointments } = db.models;
    const current = await records.change({ db, caller, tx }, 'Appointment', appointmentId, { action: 'U', activity: 'cancel' }, async () => {
      const [cancelled] = await Appointments.update({
        status: 'cancelled', heldSlotId: null, cancelledAt: now, cancellationReason: reason?.trim() || null, versionId: nextVersion(db),
      }, { where: { id: appointmentId, status: { [Op.in]: cancellable } }, transaction: tx });
      const cancelling = await Appointments.findByPk(appointmentId, { transaction: tx, rejectOnEmpty: true });
      if (cancelled !== 1) throw notActive(cancelling, 'cancelled');
      return cancelling;
    });
    await current.reload({ transaction: tx });
    await releaseSlot(db, current.slotId, tx, now);
    await cancelOpenVisit(db, caller, appointmentId, tx);
    await chargeClosedAppointment(db, options.billing, caller, appointmentId);
    await queueCancelled(db, tx, current, caller.role, current.cancellationReason, now);
    return current;
  });
}
