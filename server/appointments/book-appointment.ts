import type { Appointment as FhirAppointment } from '@medplum/fhirtypes';
import { UniqueConstraintError, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Appointment, VisitType } from '../../db/models/scheduling.js';
import type { Caller } from '../auth/caller.js';
import { patientNotFound } from '../auth/patient-access.js';
import { scopeAllows } from '../auth/scopes.js';
import * as records from '../fhir/repository/records.js';
import { Forbidden, Invalid } from '../http/errors.js';
import { eligibilityPolicy, type EligibilityPolicy } from '../consultations/eligibility.js';
import type { Config } from '../config.js';
import { lockPatient } from './locks.js';
import { queueBooked, type NotificationSettings } from './notifications.js';
import { assertNoOverlappingAppointment } from './rules/no-overlapping-appointment.js';
import { followUpReason } from './rules/follow-up-eligible.js';
import { assertSlotBookable, slotTaken } from './rules/slot-is-bookable.js';
import { holdSlot } from './slot-hold.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

export interface BookingInput {
  /** The new appointment's id when the caller has chosen it (a FHIR transaction's urn:uuid entry); else a new UUID. */
  id?: string;
  slotId: string;
  visitType: VisitType;
  /** Required when an admin books for a patient; a patient always books for themselves. */
  patientId?: string;
  /** ICD-10 code of the chronic condition a video follow-up is about; any eligible one when absent. */
  conditionCode?: string;
  /** The Appointment a FHIR client posted (POST /fhir/Appointment): stored as sent, the booking its projection. */
  resource?: FhirAppointment;
}

export interface BookingOptions extends NotificationSettings {
  /** The node's follow-up policy (CHRONIC_CONDITIONS, FOLLOW_UP_LOOKBACK_DAYS). */
  eligibility: EligibilityPolicy;
  now?: Date;
}

/**
 * The node's appointment settings, as booking, cancelling and rescheduling take them: its public URL (join
 * links), APPOINTMENT_* settings (cut-off, reminders) and follow-up policy.
 */
export const appointmentSettings = (config: Config) =>
  ({ publicBaseUrl: config.publicBaseUrl, ...config.appointments, eligibility: eligibilityPolicy(config) });

function bookingPatient(caller: Caller, input: BookingInput): string {
  if (!scopeAllows(caller.scopes, 'Appointment', 'write')) {
    throw new Forbidden('insufficient-scope', "The access token's scope does not allow write access to Appointment.");
  }
  if (caller.role === 'patient') {
    if (input.patientId && input.patientId !== caller.patientId) throw new Forbidden('not-your-booking', 'Patients book only for themselves.');
    return caller.patientId!;
  }
  if (caller.role === 'admin') {
    if (!input.patientId) throw new Invalid('patient-required', 'Say which patient the booking is for (patientId).', [{ expression: 'body.patientId', message: 'required' }]);
    return input.patientId;
  }
  throw new Forbidden('wrong-role', 'Only patients (or an admin on their behalf) book appointments.');
}

/**
 * Use case: book a slot. Rules run in order — slot bookable, follow-up eligibility (video only) — then one
 * transaction: lock the patient, no overlap, hold the slot (conditional update), insert the appointment,
 * versions, audit and outbox events. Of N concurrent bookings of one slot exactly one commits.
 */
export async function bookAppointment(
  db: Database, caller: Caller, input: BookingInput, options: BookingOptions, outerTx?: Transaction,
): Promise<Appointment> {
  const now = options.now ?? new Date();
  const patientId = bookingPatient(caller, input);
  if (caller.role === 'admin' && !(await db.models.Patient.count({ where: { id: patientId }, transaction: outerTx }))) {
    throw patientNotFound(patientId);
  }
  const slot = await db.models.Slot.findByPk(input.slotId, { transaction: outerTx });
  assertSlotBookable(slot, input.slotId, input.visitType, now);
  const reasonConditionId = await followUpReason(db, patientId, input.visitType, options.eligibility, input.conditionCode, outerTx);
  const work = async (tx: Transaction) => {
    await lockPatient(db, patientId, tx);
    await assertNoOverlappingAppointment(db, tx, patientId, slot);
    if (!(await holdSlot(db, slot, tx, now))) throw slotTaken(slot.id);
    let appointment: Appointment;
    try {
      appointment = await db.models.Appointment.create({
        id: input.id ?? newResourceId(), slotId: slot.id, heldSlotId: slot.id, patientId, practitionerId: slot.practitionerId,
        visitType: input.visitType, status: 'booked', start: slot.start, end: slot.end, reasonConditionId,
        cancellationReason: null, cancelledAt: null,
      }, { transaction: tx });
    } catch (error) {
      if (error instanceof UniqueConstraintError) throw slotTaken(slot.id);
      throw error;
    }
    await records.created({ db, caller, tx }, 'Appointment', appointment, { action: 'C', activity: 'book' }, input.resource, true);
    await queueBooked(db, tx, appointment, options, now);
    return appointment;
  };
  // Inside a FHIR transaction Bundle the booking joins the Bundle's transaction (never nested: SQLite queues them).
  return outerTx ? work(outerTx) : db.transaction(work);
}
