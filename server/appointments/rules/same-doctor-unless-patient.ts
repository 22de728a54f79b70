import type { Appointment, Slot } from '../../../db/models/scheduling.js';
import type { Caller } from '../../auth/caller.js';
import { Forbidden } from '../../http/errors.js';

/**
 * Rule: only the patient moves their appointment to another doctor. A new doctor gains the patient's whole
 * record (auth/care-relationship.ts), so that is the patient's choice; an admin rescheduling on the patient's
 * behalf stays within the same doctor's calendar.
 */
export function assertSameDoctorUnlessPatient(caller: Caller, appointment: Appointment, slot: Slot): void {
  if (caller.role === 'patient' || slot.practitionerId === appointment.practitionerId) return;
  throw new Forbidden('other-doctor', 'Only the patient can move an appointment to another doctor; pick a slot of the same doctor.',
    [{ expression: 'body.slotId', message: 'a slot of another doctor' }]);
}
