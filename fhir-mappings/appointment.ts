import type { Appointment, AppointmentStatus, VisitType } from '../db/models/scheduling.js';
import { ICD10 } from '../server/consultations/eligibility.js';
import { Invalid, type ErrorDetail } from '../server/http/errors.js';
import type { CodeableConcept } from '@medplum/fhirtypes';
import { instant, metaOf } from './common.js';
import { appointmentTypeOf, serviceTypeOf, visitTypeFrom } from './visit-type.js';

type ParticipantStatus = 'accepted' | 'declined' | 'tentative' | 'needs-action';

/** Each party's answer: both accepted a booking; a cancellation is declined by whoever cancelled (both, when unknown). */
function participantStatus(status: AppointmentStatus): ParticipantStatus {
  if (status === 'cancelled' || status === 'entered-in-error') return 'declined';
  if (status === 'proposed') return 'needs-action';
  return 'accepted';
}

/** Appointment row (live, or a stored version with its dates as strings) → FHIR R4 Appointment. */
export function appointmentToFhir(row: Appointment) {
  const status = participantStatus(row.status);
  return {
    resourceType: 'Appointment' as const,
    id: row.id,
    meta: metaOf(row),
    status: row.status,
    ...(row.cancellationReason ? { cancelationReason: { text: row.cancellationReason } } : {}),
    serviceType: [serviceTypeOf(row.visitType)],
    appointmentType: appointmentTypeOf(row.visitType),
    ...(row.reasonConditionId ? { reasonReference: [{ reference: `Condition/${row.reasonConditionId}` }] } : {}),
    start: instant(row.start),
    end: instant(row.end),
    minutesDuration: Math.round((Date.parse(instant(row.end)) - Date.parse(instant(row.start))) / 60_000),
    slot: [{ reference: `Slot/${row.slotId}` }],
    created: instant(row.createdAt),
    participant: [
      { actor: { reference: `Patient/${row.patientId}` }, required: 'required' as const, status },
      { actor: { reference: `Practitioner/${row.practitionerId}` }, required: 'required' as const, status },
    ],
  };
}

/** What a FHIR client asks for when it creates an Appointment: the input of the booking use case. */
export interface FhirBookingInput {
  slotId: string;
  patientId: string;
  visitType: VisitType;
  /** ICD-10 code from reasonCode, when the client names the condition by code. */
  conditionCode?: string;
  /** Condition id from reasonReference, when the client points at the record. */
  reasonConditionId?: string;
}

interface Reference { reference?: string }
interface IncomingAppointment {
  resourceType?: unknown;
  status?: unknown;
  slot?: Reference[];
  participant?: Array<{ actor?: Reference }>;
  serviceType?: CodeableConcept[];
  appointmentType?: CodeableConcept;
  reasonCode?: CodeableConcept[];
  reasonReference?: Reference[];
}

const idOf = (reference: string | undefined, type: string) => {
  const match = reference ? new RegExp(`^(?:.*/)?${type}/([A-Za-z0-9\\-.]{1,64})$`).exec(reference) : null;
  return match?.[1];
};

/**
 * FHIR Appointment (POST /fhir/Appointment) → booking input. Booking the FHIR way means `status: booked`, exactly
 * one `slot`, a Patient participant and a visit type (serviceType or appointmentType). Anything missing is a
 * 400 whose details point at the element.
 */
export function bookingInputFromFhir(resource: unknown): FhirBookingInput {
  const a = (resource ?? {}) as IncomingAppointment;
  const problems: ErrorDetail[] = [];
  if (a.resourceType !== 'Appointment') problems.push({ expression: 'Appointment.resourceType', message: 'must be Appointment' });
  if (a.status !== 'booked') problems.push({ expression: 'Appointment.status', message: 'must be booked to book a slot' });
  const slotId = a.slot?.length === 1 ? idOf(a.slot[0].reference, 'Slot') : undefined;
  if (!slotId) problems.push({ expression: 'Appointment.slot', message: 'must reference exactly one Slot' });
  const patientIds = (a.participant ?? []).map((p) => idOf(p.actor?.reference, 'Patient')).filter((id): id is string => !!id);
  if (patientIds.length !== 1) problems.push({ expression: 'Appointment.participant', message: 'must include exactly one Patient participant' });
  const visitType = visitTypeFrom([...(a.serviceType ?? []), ...(a.appointmentType ? [a.appointmentType] : [])]);
  if (!visitType) problems.push({ expression: 'Appointment.serviceType', message: 'must name the visit type (video-follow-up or in-person)' });
  if (problems.length) {
    throw new Invalid('invalid-appointment', `The Appointment cannot be booked: ${problems.map((p) => `${p.expression} ${p.message}`).join('; ')}`, problems);
  }
  const conditionCode = (a.reasonCode ?? []).flatMap((c) => c.coding ?? []).find((c) => c.system === ICD10)?.code;
  const reasonConditionId = (a.reasonReference ?? []).map((r) => idOf(r.reference, 'Condition')).find((id) => !!id);
  return {
    slotId: slotId!, patientId: patientIds[0], visitType: visitType!,
    ...(conditionCode ? { conditionCode } : {}), ...(reasonConditionId ? { reasonConditionId } : {}),
  };
}
