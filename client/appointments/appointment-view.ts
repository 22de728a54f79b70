import { t, wordOf } from '../i18n/index.js';

/** The server's answers (server/appointments/contract.ts), declared once for both sides. */
export type { AppointmentList, AppointmentView, SlotSearch, SlotView, VisitType } from '../../server/appointments/contract.js';

/** Statuses in which the video room can still be joined. */
export const ROOM_OPEN = new Set(['booked', 'arrived']);

/** The visit page on this origin: joinUrl names the public base URL, which a local or test server may not serve. */
export const visitPath = (joinUrl: string) => new URL(joinUrl, location.href).pathname;

export const visitTypeWords = (visitType: string) => wordOf(t.visitType, visitType);

/** An appointment's status in words ("completed" for `fulfilled`). */
export const appointmentStatusWords = (status: string) => wordOf(t.appointmentStatus, status);
