import type { Database } from '../../db/connection.js';
import type { Appointment, Slot } from '../../db/models/scheduling.js';
import type { Caller } from '../auth/caller.js';
import { Invalid } from '../http/errors.js';
import type { AppointmentView, SlotView } from './contract.js';
import { isoInZone, isTimeZone } from './time-zone.js';

/** The zone times are shown in: `?tz=` when given, else the patient's own zone, else the doctor's schedule zone, else UTC. */
export async function viewerTimeZone(db: Database, caller: Caller, override?: string): Promise<string> {
  if (override) {
    if (!isTimeZone(override)) throw new Invalid('unknown-time-zone', `${override} is not an IANA time zone.`, [{ expression: 'query.tz', message: 'not an IANA time zone' }]);
    return override;
  }
  if (caller.patientId) return (await db.models.Patient.findByPk(caller.patientId))?.timeZone ?? 'UTC';
  if (caller.practitionerId) {
    return (await db.models.Schedule.findOne({ where: { practitionerId: caller.practitionerId }, order: [['createdAt', 'ASC']] }))?.timeZone ?? 'UTC';
  }
  return 'UTC';
}

/** The visit's join page; the booking confirmation carries it. */
export const joinUrlOf = (publicBaseUrl: string, appointmentId: string) => `${publicBaseUrl}/visit/${appointmentId}`;

export function slotView(slot: Slot, zone: string, practitioner?: { givenName: string; familyName: string; specialtyDisplay: string | null }): SlotView {
  return {
    id: slot.id,
    scheduleId: slot.scheduleId,
    practitionerId: slot.practitionerId,
    ...(practitioner ? { practitionerName: `${practitioner.givenName} ${practitioner.familyName}`, specialty: practitioner.specialtyDisplay } : {}),
    start: isoInZone(slot.start, zone),
    end: isoInZone(slot.end, zone),
    visitTypes: slot.visitTypes.split(','),
    status: slot.status,
  };
}

export function appointmentView(appointment: Appointment, zone: string, publicBaseUrl: string): AppointmentView {
  return {
    id: appointment.id,
    status: appointment.status,
    visitType: appointment.visitType,
    patientId: appointment.patientId,
    practitionerId: appointment.practitionerId,
    slotId: appointment.slotId,
    start: isoInZone(appointment.start, zone),
    end: isoInZone(appointment.end, zone),
    timeZone: zone,
    reasonConditionId: appointment.reasonConditionId,
    cancellationReason: appointment.cancellationReason,
    cancelledAt: appointment.cancelledAt ? isoInZone(appointment.cancelledAt, zone) : null,
    joinUrl: appointment.visitType === 'video-follow-up' ? joinUrlOf(publicBaseUrl, appointment.id) : null,
    versionId: appointment.versionId,
  };
}
