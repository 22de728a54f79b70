/**
 * What `/api/slots` and `/api/appointments` answer with (docs/appointments.md), declared once: the server's views
 * (./views.ts) are typed with it and the web client imports it with `import type`, so tsc checks both sides.
 */
export type VisitType = 'video-follow-up' | 'in-person';
export type AppointmentStatus = 'proposed' | 'booked' | 'arrived' | 'fulfilled' | 'cancelled' | 'noshow' | 'entered-in-error';

export interface SlotView {
  id: string;
  scheduleId: string;
  practitionerId: string;
  /** Given when the search names the doctors (`GET /api/slots`). */
  practitionerName?: string;
  specialty?: string | null;
  start: string;
  end: string;
  visitTypes: string[];
  status: 'free' | 'busy' | 'busy-unavailable';
}

export interface AppointmentView {
  id: string;
  status: AppointmentStatus;
  visitType: VisitType;
  patientId: string;
  practitionerId: string;
  slotId: string | null;
  start: string;
  end: string;
  /** The zone the times are given in: the patient's own. */
  timeZone: string;
  reasonConditionId: string | null;
  cancellationReason: string | null;
  cancelledAt: string | null;
  joinUrl: string | null;
  versionId: number;
  /** The appointment's visit, once one was opened (in the list only). */
  visitId?: string | null;
}

export interface AppointmentList { timeZone: string; appointments: AppointmentView[] }
export interface SlotSearch { timeZone: string; slots: SlotView[] }
