/**
 * The admin's "Escalated alerts" (`GET /api/alerts` for an admin: the open critical alerts that no doctor
 * acknowledged before their escalation time, oldest escalation first), each with the patient, the kind, the reading
 * the treating doctor to chase, and when it was raised and escalated. Read only: the treating doctor acknowledges it
 * from their own list.
 */
import { api, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import type { PatientDirectory } from '../patients/patient-directory.js';
import { alertKindWords } from './alert-kinds.js';

interface EscalatedAlert {
  id: string; patientId: string; kind: string; severity: string; message: string; raisedAt: string; escalatedAt: string | null;
  doctorName: string | null;
}

export function escalatedAlerts(patients: PatientDirectory): HTMLElement {
  const problem = alertLine();
  const list = el('div');
  const refresh = el('button', { type: 'button' }, 'Refresh the escalated alerts');
  const section = el('section', { id: 'escalated-alerts', 'aria-labelledby': 'escalated-alerts-title' },
    el('h2', { id: 'escalated-alerts-title' }, 'Escalated alerts'),
    el('p', {}, 'Critical readings that no doctor acknowledged in time. They leave this list when the treating doctor acknowledges them.'),
    refresh, problem, list);

  async function load() {
    problem.textContent = '';
    try {
      const alerts = await api<EscalatedAlert[]>('/api/alerts');
      const names = await patients.names(alerts.map((a) => a.patientId));
      list.replaceChildren(alerts.length ? el('ul', {}, ...alerts.map((a) => item(a, names.get(a.patientId) ?? ''))) : el('p', {}, 'No escalated alerts.'));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  const item = (alert: EscalatedAlert, patientName: string) => el('li', { 'data-alert': alert.id, 'data-severity': alert.severity },
    el('strong', {}, `${alertKindWords(alert.kind)} (${alert.severity})`), ' — ', el('span', { class: 'patient' }, patientName),
    el('br'), el('span', { class: 'reading' }, alert.message),
    alert.doctorName ? el('span', {}, ' — treating doctor: ', el('span', { class: 'doctor' }, `Dr ${alert.doctorName}`)) : null,
    el('br'), 'Raised ', timeOf(alert.raisedAt), alert.escalatedAt ? el('span', {}, ', escalated ', timeOf(alert.escalatedAt)) : null);

  refresh.addEventListener('click', () => whileBusy([refresh], load));
  void load();
  return section;
}
