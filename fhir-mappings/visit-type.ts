import type { CodeableConcept } from '@medplum/fhirtypes';
import type { VisitType } from '../db/models/scheduling.js';

/** Our visit types as a FHIR CodeSystem (Slot/Schedule/Appointment.serviceType). */
export const VISIT_TYPE_SYSTEM = 'https://internet-hospital.dev/fhir/CodeSystem/visit-type';
/** HL7 v2 table 0276 appointment reason codes (Appointment.appointmentType, extensible binding in R4). */
export const APPOINTMENT_REASON_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0276';

const DISPLAY: Record<VisitType, string> = { 'video-follow-up': 'Video follow-up visit', 'in-person': 'In-person visit' };
const APPOINTMENT_TYPE: Record<VisitType, { code: string; display: string }> = {
  'video-follow-up': { code: 'FOLLOWUP', display: 'A follow up visit from a previous appointment' },
  'in-person': { code: 'ROUTINE', display: 'Routine appointment - default if not valued' },
};

export const serviceTypeOf = (visitType: VisitType): CodeableConcept =>
  ({ coding: [{ system: VISIT_TYPE_SYSTEM, code: visitType, display: DISPLAY[visitType] }], text: DISPLAY[visitType] });

export const appointmentTypeOf = (visitType: VisitType): CodeableConcept =>
  ({ coding: [{ system: APPOINTMENT_REASON_SYSTEM, ...APPOINTMENT_TYPE[visitType] }] });

/** The visit type named by a serviceType or appointmentType concept, if any. */
export function visitTypeFrom(concepts: CodeableConcept[]): VisitType | undefined {
  for (const coding of concepts.flatMap((c) => c.coding ?? [])) {
    if (coding.system === VISIT_TYPE_SYSTEM && (coding.code === 'video-follow-up' || coding.code === 'in-person')) return coding.code;
    if (coding.system === APPOINTMENT_REASON_SYSTEM && coding.code === 'FOLLOWUP') return 'video-follow-up';
    if (coding.system === APPOINTMENT_REASON_SYSTEM && coding.code === 'ROUTINE') return 'in-person';
  }
  return undefined;
}
