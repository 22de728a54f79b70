/**
 * Booking a slot from any patient page (the slot search, an alert's follow-up slots), the refusals in plain
 * words, and the signal that the patient's appointments changed so every page showing them reloads.
 */
import { api, ApiError, messageOf } from '../api.js';
import { announce, el, reloadOn } from '../dom.js';
import { t } from '../i18n/index.js';
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
const EVIDENCE_WORDS = t.booking.evidence;

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
        words: t.booking.notEligible,
        missing: Array.isArray(missing) ? missing.map((line) => evidenceLine(String(line))) : [],
        slotGone: false,
      };
    }
    case 'slot-taken': return refusal(t.booking.slotTaken, true);
    case 'slot-in-past': return refusal(t.booking.slotInPast, true);
    case 'slot-not-found': return refusal(t.booking.slotNotFound, true);
    case 'visit-type-not-offered': return refusal(t.booking.typeNotOffered);
    case 'overlapping-appointment': return refusal(t.booking.overlapping);
    default: return refusal(messageOf(error));
  }
}

/** Shows a refusal in `target` (a role="alert" element): the words, then what is missing, if anything. */
export function showBookingRefusal(target: HTMLElement, refusal: BookingRefusal): void {
  target.replaceChildren(el('p', {}, refusal.words), ...(refusal.missing.length
    ? [el('p', {}, t.booking.lookedFor), el('ul', {}, ...refusal.missing.map((line) => el('li', {}, line)))]
    : []));
}
