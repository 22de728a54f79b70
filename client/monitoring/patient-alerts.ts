/**
 * The patient's open alerts about their readings (`GET /api/patients/{id}/alerts`) in plain words, each with
 * buttons that book one of the treating doctor's next video follow-up slots it offers.
 */
import { api, messageOf } from '../api.js';
import { el, whileBusy } from '../dom.js';
import { announceAppointmentsChanged, bookingRefusal, bookSlot, reloadOnAppointmentsChanged, showBookingRefusal } from '../appointments/booking.js';
import { clockWords, dayWords, zonedTime } from '../appointments/local-time.js';
import { t } from '../i18n/index.js';
import type { PatientRecord } from '../patient-record.js';
import type { PatientAlertView as AlertView } from '../../server/monitoring/contract.js';
import { alertKindWords } from './alert-kinds.js';
import { findingWords } from './alert-findings.js';


/** What each kind of alert means for the patient (server/monitoring/alerts.ts raises them). */
const ALERT_WORDS = t.patientAlerts.advice;

export interface OpenAlerts {
  element: HTMLElement;
  reload(): Promise<void>;
}

export function openAlerts(patient: PatientRecord): OpenAlerts {
  const problem = el('div', { role: 'alert', class: 'problem' });
  const booked = el('p', { role: 'status' });
  const list = el('div');
  const element = el('div', { id: 'my-alerts' }, el('h3', {}, t.patientAlerts.title), problem, booked, list);
  const zone = patient.timeZone;

  async function reload() {
    try {
      const alerts = (await api<AlertView[]>(`/api/patients/${encodeURIComponent(patient.id)}/alerts`)).filter((a) => a.status === 'open');
      list.replaceChildren(alerts.length ? el('ul', {}, ...alerts.map(item)) : el('p', {}, t.patientAlerts.none));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  function item(alert: AlertView): HTMLElement {
    return el('li', { 'data-alert': alert.id, 'data-kind': alert.kind },
      el('p', {}, el('strong', {}, ALERT_WORDS[alert.kind] ?? alertKindWords(alert.kind)), alert.practitionerId ? t.patientAlerts.doctorTold : null),
      el('p', {}, t.patientAlerts.raised, zonedTime(alert.raisedAt, zone), alert.finding ? ': ' : '', findingWords(alert.finding)),
      alert.followUpSlots.length
        ? el('div', {}, el('p', {}, t.patientAlerts.bookWithDoctor), el('div', { class: 'controls' }, ...alert.followUpSlots.map(slotButton)))
        : el('p', {}, t.patientAlerts.noSlotsSoon));
  }

  function slotButton(slot: AlertView['followUpSlots'][number]): HTMLButtonElement {
    const when = t.patientAlerts.when(dayWords(slot.start, zone), clockWords(slot.start, zone));
    const button = el('button', { type: 'button', 'data-slot': slot.slotId }, t.patientAlerts.book(when));
    button.addEventListener('click', () => whileBusy([button], async () => {
      problem.replaceChildren();
      booked.textContent = '';
      try {
        await bookSlot(slot.slotId, 'video-follow-up');
        booked.textContent = t.patientAlerts.booked(when);
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
