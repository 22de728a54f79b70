/**
 * The patient's open alerts about their readings (`GET /api/patients/{id}/alerts`) in plain words, each with
 * buttons that book one of the treating doctor's next video follow-up slots it offers.
 */
import { api, messageOf } from '../api.js';
import { el, whileBusy } from '../dom.js';
import { announceAppointmentsChanged, bookingRefusal, bookSlot, reloadOnAppointmentsChanged, showBookingRefusal } from '../appointments/booking.js';
import { clockWords, dayWords, zonedTime } from '../appointments/local-time.js';
import type { PatientRecord } from '../patient-record.js';
import { unitWords } from './reading-kinds.js';

interface AlertView {
  id: string;
  kind: string;
  severity: string;
  message: string;
  status: string;
  /** The treating doctor the alert went to, if the patient has one. */
  practitionerId: string | null;
  raisedAt: string;
  followUpSlots: Array<{ slotId: string; start: string; end: string }>;
}

/** What each kind of alert means for the patient (server/monitoring/alerts.ts raises them). */
const ALERT_WORDS: Record<string, string> = {
  'bp-crisis': 'Your blood pressure is very high. If you have chest pain, shortness of breath, weakness, numbness, '
    + 'or trouble seeing or speaking, call the emergency number now. Otherwise, please book a follow-up soon.',
  'bp-stage-2': 'Your blood pressure has been high on average over the last days. Please book a follow-up so your doctor can review your treatment.',
  'glucose-very-low': 'Your blood sugar is very low. Follow your plan for low blood sugar now, and call the emergency number if you feel confused or faint.',
  'glucose-low': 'Your blood sugar is low. Follow your plan for low blood sugar, then measure again.',
  'glucose-very-high': 'Your blood sugar is very high. Drink water, check for ketones if you can, and call the emergency number if you are '
    + 'vomiting, very thirsty or drowsy. Your doctor has been told.',
  'glucose-high': 'Your blood sugar is above your target. Please book a follow-up if it stays high.',
};

export interface OpenAlerts {
  element: HTMLElement;
  reload(): Promise<void>;
}

export function openAlerts(patient: PatientRecord): OpenAlerts {
  const problem = el('div', { role: 'alert', class: 'problem' });
  const booked = el('p', { role: 'status' });
  const list = el('div');
  const element = el('div', { id: 'my-alerts' }, el('h3', {}, 'Alerts about my readings'), problem, booked, list);
  const zone = patient.timeZone;

  async function reload() {
    try {
      const alerts = (await api<AlertView[]>(`/api/patients/${encodeURIComponent(patient.id)}/alerts`)).filter((a) => a.status === 'open');
      list.replaceChildren(alerts.length ? el('ul', {}, ...alerts.map(item)) : el('p', {}, 'No open alerts.'));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  function item(alert: AlertView): HTMLElement {
    return el('li', { 'data-alert': alert.id, 'data-kind': alert.kind },
      el('p', {}, el('strong', {}, ALERT_WORDS[alert.kind] ?? alert.message), alert.practitionerId ? ' Your doctor has been told.' : null),
      el('p', {}, 'Raised ', zonedTime(alert.raisedAt, zone), ': ', unitWords(alert.message)),
      alert.followUpSlots.length
        ? el('div', {}, el('p', {}, 'Book a video follow-up with your doctor:'), el('div', { class: 'controls' }, ...alert.followUpSlots.map(slotButton)))
        : el('p', {}, 'Your doctor has no free video follow-up slot soon: search for one under "Book a follow-up".'));
  }

  function slotButton(slot: AlertView['followUpSlots'][number]): HTMLButtonElement {
    const when = `${dayWords(slot.start, zone)} at ${clockWords(slot.start, zone)}`;
    const button = el('button', { type: 'button', 'data-slot': slot.slotId }, `Book ${when}`);
    button.addEventListener('click', () => whileBusy([button], async () => {
      problem.replaceChildren();
      booked.textContent = '';
      try {
        await bookSlot(slot.slotId, 'video-follow-up');
        booked.textContent = `Booked a video follow-up on ${when}. It is listed under My appointments.`;
        announceAppointmentsChanged();
      } catch (error) {
        const refusal = bookingRefusal(error);
        showBookingRefusal(problem, refusal);
        if (refusal.slotGone) await reload();
      }
    }));
    return button;
  }

  reloadOnAppointmentsChanged(element, () => void reload());
  return { element, reload };
}
