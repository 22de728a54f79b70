/**
 * What `/api/slots`, `/api/appointments` and `/api/practitioners/:id/availability` take and answer with (docs/appointments.md), declared once: the server's views
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

/** One weekly opening: on `weekday` (1 = Monday … 7 = Sunday) from `start` to `end`, HH:MM wall-clock in the schedule's zone (`end` may be 24:00). */
export interface WeeklyOpening { weekday: number; start: string; end: string; visitTypes: VisitType[] }

/** A date (YYYY-MM-DD, in the schedule's zone) on which the weekly openings do not apply: a day off. */
export interface DayOff { date: string; reason?: string | null }

/** Extra hours on one date (YYYY-MM-DD in the schedule's zone), besides the weekly ones, or instead of them on a day off. */
export interface ExtraHours { date: string; start: string; end: string; visitTypes: VisitType[] }

/** What `PUT /api/practitioners/:id/availability` (and `…/availability/preview`) takes. */
export interface AvailabilityInput {
  timeZone: string;
  /** The length of every visit, and the pause after it, in minutes. */
  slotMinutes: number;
  bufferMinutes: number;
  /** How many days ahead slots are offered. */
  horizonDays: number;
  rules: WeeklyOpening[];
  exceptions: DayOff[];
  /** None when left out. */
  extraHours?: ExtraHours[];
}

/** `GET /api/practitioners/:id/availability`: the availability as set, or only `practitionerId` and empty lists before the first. */
export interface AvailabilityView extends Partial<Omit<AvailabilityInput, 'rules' | 'exceptions' | 'extraHours'>> {
  practitionerId: string;
  scheduleId?: string;
  versionId?: number;
  rules: WeeklyOpening[];
  exceptions: DayOff[];
  extraHours: ExtraHours[];
}

/** What saving did to the future slots: booked ones are never touched (docs/appointments.md). */
export interface SlotRegeneration { created: number; removed: number; retired: number; kept: number; booked: number }

/** `PUT /api/practitioners/:id/availability`. */
export interface AvailabilitySaved { scheduleId: string; slots: SlotRegeneration }

/** A booked visit the new hours would no longer cover: it stays booked; the doctor may move or keep it. */
export interface VisitOutsideHours { appointmentId: string; start: string; end: string; visitType: VisitType }

/** `POST /api/practitioners/:id/availability/preview`: what the availability would offer, nothing saved. Times are in its zone. */
export interface AvailabilityPreview {
  timeZone: string;
  /** The first day shown and how many (YYYY-MM-DD in `timeZone`). */
  firstDay: string;
  days: number;
  slots: Array<{ start: string; end: string; visitTypes: VisitType[] }>;
  outsideHours: VisitOutsideHours[];
}
