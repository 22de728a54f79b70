/**
 * The patient's "At a glance": her next visit (with the link to join a video visit), her open alerts, and the
 * prescriptions ready to collect. Read from the same endpoints as the sections below; reloads when a booking changes.
 */
import { api } from '../api.js';
import { appointmentStatusWords, ROOM_OPEN, visitPath, visitTypeWords, type AppointmentList } from '../appointments/appointment-view.js';
import { reloadOnAppointmentsChanged } from '../appointments/booking.js';
import { el } from '../dom.js';
import { momentWords } from '../i18n/format.js';
import { t } from '../i18n/index.js';
import { withMyPatientRecord } from '../patient-record.js';
import type { PrescriptionSummary } from '../prescriptions/types.js';
import { countOf, summaryCard } from './summary-card.js';

/** A visit still counts as "next" until it has been over for this long (one in progress is still shown). */
const STILL_NEXT_MS = 60 * 60_000;

export function patientSummary(): HTMLElement {
  const next = summaryCard('summary-next-visit', t.summary.nextVisit);
  const alerts = summaryCard('summary-open-alerts', t.summary.openAlerts);
  const ready = summaryCard('summary-ready-prescriptions', t.summary.readyToCollect);
  const problem = el('p', { role: 'alert', class: 'problem' });
  const section = el('section', { id: 'home-summary', 'aria-labelledby': 'home-summary-title' },
    el('h2', { id: 'home-summary-title' }, t.summary.title), problem,
    el('div', { class: 'summary' }, next.element, alerts.element, ready.element));

  withMyPatientRecord(problem, (patient) => {
    const loadNext = async () => {
      try {
        const { appointments } = await api<AppointmentList>('/api/appointments');
        const soon = appointments.filter((a) => ROOM_OPEN.has(a.status) && Date.parse(a.end) > Date.now() - STILL_NEXT_MS)
          .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))[0];
        if (!soon) next.show(el('p', {}, t.summary.noNextVisit));
        else {
          next.show(el('p', {}, t.summary.visitLine(momentWords(soon.start, soon.timeZone), visitTypeWords(soon.visitType), appointmentStatusWords(soon.status))),
            soon.joinUrl ? el('a', { class: 'button', href: visitPath(soon.joinUrl) }, t.appointments.join) : '');
        }
      } catch {
        next.unavailable();
      }
    };
    const loadAlerts = async () => {
      try {
        const open = (await api<Array<{ status: string }>>(`/api/patients/${encodeURIComponent(patient.id)}/alerts`)).filter((a) => a.status === 'open');
        alerts.show(countOf(open.length));
      } catch {
        alerts.unavailable();
      }
    };
    const loadReady = async () => {
      try {
        ready.show(countOf((await api<PrescriptionSummary[]>('/api/prescriptions')).filter((p) => p.status === 'ready').length));
      } catch {
        ready.unavailable();
      }
    };
    reloadOnAppointmentsChanged(section, () => void loadNext());
    void Promise.all([loadNext(), loadAlerts(), loadReady()]);
  });
  return section;
}
