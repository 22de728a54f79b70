import { Op, type Transaction } from 'sequelize';
import type { Database } from '../../../db/connection.js';
import { Conflict } from '../../http/errors.js';

/** Appointments that occupy the patient's time. */
export const ACTIVE_STATUSES = ['booked', 'arrived'] as const;

/**
 * Rule: a patient holds no two overlapping appointments. Safe only under the patient lock (locks.ts), taken in
 * the same transaction before this read: two bookings of one patient then run one after the other.
 */
export async function assertNoOverlappingAppointment(
  db: Database, tx: Transaction, patientId: string, interval: { start: Date; end: Date }, ignoreAppointmentId?: string,
): Promise<void> {
  const clash = await db.models.Appointment.findOne({
    where: {
      patientId, status: [...ACTIVE_STATUSES], start: { [Op.lt]: interval.end }, end: { [Op.gt]: interval.start },
      ...(ignoreAppointmentId ? { id: { [Op.ne]: ignoreAppointmentId } } : {}),
    },
    transaction: tx,
  });
  if (clash) {
    throw new Conflict('overlapping-appointment',
      `You already have an appointment from ${clash.start.toISOString()} to ${clash.end.toISOString()} at that time.`,
      [], { appointmentId: clash.id });
  }
}
