/**
 * The doctor's "At a glance": today's visits with who is waiting (the patient has arrived in the waiting room),
 * the alerts not yet acknowledged, and the prescriptions still awaiting a pharmacist's review.
 */
import { api } from '../api.js';
import type { AppointmentList } from '../appointments/appointment-view.js';
import { el } from '../dom.js';
import { clockWords } from '../i18n/format.js';
import { t } from '../i18n/index.js';
import type { PatientDirectory } from '../patients/patient-directory.js';
import type { PrescriptionSummary } from '../prescriptions/types.js';
import { countOf, summaryCard } from './summary-card.js';

function today(): { from: string; to: string } {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

export function doctorSummary(patients: PatientDirectory): HTMLElement {
  const visits = summaryCard('summary-todays-visits', t.summary.todaysVisits);
  const alerts = summaryCard('summary-unacknowledged-alerts', t.summary.unacknowledged);
  const reviews = summaryCard('summary-reviews-pending', t.summary.reviewsPending);
  const section = el('section', { id: 'home-summary', 'aria-labelledby': 'home-summary-title' },
    el('h2', { id: 'home-summary-title' }, t.summary.title),
    el('div', { class: 'summary' }, visits.element, alerts.element, reviews.element));

  const loadVisits = async () => {
    try {
      const { appointments } = await api<AppointmentList>(`/api/appointments?${new URLSearchParams({ ...today(), status: 'booked,arrived,fulfilled' })}`);
      const names = await patients.names(appointments.map((a) => a.patientId));
      visits.show(countOf(appointments.length), appointments.length ? el('ul', { class: 'plain' }, ...appointments.map((a) => el('li', { 'data-appointment': a.id },
        clockWords(a.start), ' ', names.get(a.patientId) ?? '',
        a.status === 'arrived' ? el('span', { class: 'badge' }, t.summary.waiting) : ''))) : el('p', {}, t.summary.noVisitsToday));
    } catch {
      visits.unavailable();
    }
  };
  const loadAlerts = async () => {
    try {
      alerts.show(countOf((await api<unknown[]>('/api/alerts?status=open')).length));
    } catch {
      alerts.unavailable();
    }
  };
  const loadReviews = async () => {
    try {
      reviews.show(countOf((await api<PrescriptionSummary[]>('/api/prescriptions')).filter((p) => p.status === 'pending-review').length));
    } catch {
      reviews.unavailable();
    }
  };
  void Promise.all([loadVisits(), loadAlerts(), loadReviews()]);
  return section;
}
