/**
 * Booking a slot from any patient page (the slot search, an alert's follow-up slots), the refusals in plain
 * words, and the signal that the patient's appointments changed so every page showing them reloads.
 */
import { api, ApiError, messageOf } from '../api.js';
import { announce, el, reloadOn } from '../dom.js';
import type { AppointmentView, VisitType } from './appointment-view.js';

const APPOINTMENTS_CHANGED = 'appointments-changed';

/** Tells every page showing the patient's appointments or free slots to reload. */
export const announceAppointmentsChanged = () => announce(APPOINTMENTS_CHANGED);

/** Runs `reload` whenever the appointments change, for as long as `section` is on the page. */
export const reloadOnAppointmentsChanged = (section: HTMLElement, reload: () => void) => reloadOn(APPOINTMENTS_CHANGED, section, reload);

export function bookSlot(slotId: string, visitType: VisitType, conditionCode?: string): Promise<AppointmentView> {
  return api<AppointmentView>('/api/appointments', { body: { slotId, visitType, ...(conditionCode ? { conditionCode } : {}) } });
}

/** The kinds of evidence of a prior diagnosis the server looks for (server/consultations/eligibility.ts). */
const EVIDENCE_WORDS: Record<string, string> = {
  'local-record': 'This hospital\'s records',
  'partner-record': 'Partner hospitals',
  'accepted-document': 'Uploaded diagnosis documents',
  condition: 'The condition',
};

const evidenceLine = (line: string) => {
  const [kind, ...rest] = line.split(': ');
  return EVIDENCE_WORDS[kind!] && rest.length ? `${EVIDENCE_WORDS[kind!]}: ${rest.join(': ')}` : line;
};

export interface BookingRefusal {
  words: string;
  /** For a follow-up refused as not eligible: what was looked for and not found. */
  missing: string[];
  /** The slot is gone (taken, started, removed): the list that offered it is out of date. */
  slotGone: boolean;
}

/** A refused booking in plain words, by the problem's `code` (docs/appointments.md "Error codes"). */
export function bookingRefusal(error: unknown): BookingRefusal {
  const code = error instanceof ApiError ? error.code : undefined;
  const refusal = (words: string, slotGone = false): BookingRefusal => ({ words, missing: [], slotGone });
  switch (code) {
    case 'follow-up-not-eligible': {
      const missing = (error as ApiError).problem.missing;
      return {
        words: 'You cannot book an online follow-up yet: video visits are only for following up a condition a doctor has '
          + 'diagnosed in person. Please book an in-person first visit (choose "In person" as the visit type).',
        missing: Array.isArray(missing) ? missing.map((line) => evidenceLine(String(line))) : [],
        slotGone: false,
      };
    }
    case 'slot-taken': return refusal('Someone has just booked this slot. The list of free slots is refreshed: please choose another time.', true);
    case 'slot-in-past': return refusal('This slot has already started. The list is refreshed: please choose a later time.', true);
    case 'slot-not-found': return refusal('This slot is no longer offered. The list is refreshed: please choose another time.', true);
    case 'visit-type-not-offered': return refusal('This slot is not offered for this kind of visit. Please choose another one.');
    case 'overlapping-appointment': return refusal('You already have an appointment at that time (see My appointments). Please choose another time.');
    default: return refusal(messageOf(error));
  }
}

/** Shows a refusal in `target` (a role="alert" element): the words, then what is missing, if anything. */
export function showBookingRefusal(target: HTMLElement, refusal: BookingRefusal): void {
  target.replaceChildren(el('p', {}, refusal.words), ...(refusal.missing.length
    ? [el('p', {}, 'What we looked for and did not find:'), el('ul', {}, ...refusal.missing.map((line) => el('li', {}, line)))]
    : []));
}
