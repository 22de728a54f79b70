import type { Database } from '../../db/connection.js';
import type { VideoSide } from '../../db/models/video-session.js';
import { isClosedVisit, visitForAppointment } from '../consultations/visit-lifecycle.js';
import { Forbidden, Gone, NotFound, Unprocessable } from '../http/errors.js';

/** DESIGN.md "Video visits": the room opens 15 minutes before the appointment starts and closes when the visit ends. */
export const ROOM_OPENS_MINUTES_BEFORE = 15;

const CLOSED_APPOINTMENT = new Set(['cancelled', 'noshow', 'entered-in-error', 'fulfilled']);

/** Which side of the appointment a user is on, or null when they are neither its patient nor its doctor. */
export function sideOf(appointment: { patientId: string; practitionerId: string },
  who: { patientId: string | null; practitionerId: string | null }): VideoSide | null {
  if (who.patientId && who.patientId === appointment.patientId) return 'patient';
  if (who.practitionerId && who.practitionerId === appointment.practitionerId) return 'doctor';
  return null;
}

/**
 * The appointment and its visit when its video room is open now; otherwise the error that says why not.
 * Checked when a room token is issued and again when it is used to join.
 */
export async function openVideoRoom(db: Database, appointmentId: string, now = new Date()) {
  const appointment = await db.models.Appointment.findByPk(appointmentId);
  if (!appointment) throw new NotFound('appointment-not-found', `No appointment with id ${appointmentId}.`);
  if (appointment.visitType !== 'video-follow-up') {
    throw new Unprocessable('not-a-video-visit', 'This appointment is an in-person visit; it has no video room.');
  }
  const opensAt = new Date(appointment.start.getTime() - ROOM_OPENS_MINUTES_BEFORE * 60_000);
  if (now < opensAt) {
    throw new Forbidden('video-room-not-open', `The video room opens ${ROOM_OPENS_MINUTES_BEFORE} minutes before the visit, at ${opensAt.toISOString()}.`,
      [], { opensAt: opensAt.toISOString() });
  }
  const visit = await visitForAppointment(db, appointmentId);
  if (isClosedVisit(visit.status) || CLOSED_APPOINTMENT.has(appointment.status)) {
    throw new Gone('video-visit-over', `This visit is over (${isClosedVisit(visit.status) ? visit.status : appointment.status}); its video room is closed.`);
  }
  return { appointment, visit };
}
