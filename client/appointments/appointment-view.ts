import { t, wordOf } from '../i18n/index.js';

export type VisitType = 'video-follow-up' | 'in-person';

/** An appointment as `/api/appointments` answers it (docs/appointments.md), as far as the pages use it. */
export interface AppointmentView {
  id: string;
  status: string;
  visitType: VisitType;
  patientId: string;
  start: string;
  end: string;
  /** The zone the times are given in: the patient's own. */
  timeZone: string;
  joinUrl: string | null;
  /** The appointment's visit, once one was opened (in the list only). */
  visitId?: string | null;
}

/** Statuses in which the video room can still be joined. */
export const ROOM_OPEN = new Set(['booked', 'arrived']);

/** The visit page on this origin: joinUrl names the public base URL, which a local or test server may not serve. */
export const visitPath = (joinUrl: string) => new URL(joinUrl, location.href).pathname;

export const visitTypeWords = (visitType: string) => wordOf(t.visitType, visitType);

/** An appointment's status in words ("completed" for `fulfilled`). */
export const appointmentStatusWords = (status: string) => wordOf(t.appointmentStatus, status);
