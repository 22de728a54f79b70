import type { Appointment } from '../../../db/models/scheduling.js';
import type { Caller } from '../../auth/caller.js';
import { Unprocessable } from '../../http/errors.js';

/**
 * Rule: a patient may cancel or reschedule only until `cutoffMinutes` before the start
 * (CANCELLATION_CUTOFF_MINUTES); the doctor and admins are not bound by it.
 */
export function assertBeforeCutoff(appointment: Appointment, caller: Caller, cutoffMinutes: number, now: Date, what: 'cancel' | 'reschedule'): void {
  if (caller.role !== 'patient') return;
  const cutoff = new Date(appointment.start.getTime() - cutoffMinutes * 60_000);
  if (now >= cutoff) {
    throw new Unprocessable('cancellation-cutoff-passed',
      `Appointments can be ${what === 'cancel' ? 'cancelled' : 'rescheduled'} online until ${cutoffMinutes} minutes before the start `
      + `(${cutoff.toISOString()}); please call the hospital.`, [], { cutoff: cutoff.toISOString(), cutoffMinutes });
  }
}
