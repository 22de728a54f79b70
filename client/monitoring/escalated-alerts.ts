/**
 * The admin's "Escalated alerts" (`GET /api/alerts` for an admin: the open critical alerts that no doctor
 * acknowledged before their escalation time, oldest escalation first), each with the patient, the kind, the reading
 * the treating doctor to chase, and when it was raised and escalated. Read only: the treating doctor acknowledges it
 * from their own list.
 */
import { api, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import type { PatientDirectory } from '../patients/patient-directory.js';
import { t } from '../i18n/index.js';
import type { EscalatedAlertView as EscalatedAlert } from '../../server/monitoring/contract.js';
import { alertKindWords, severityWords } from './alert-kinds.js';
import { findingWords } from './alert-findings.js';


export function escalatedAlerts(patients: PatientDirectory): HTMLElement {
  const problem = alertLine();
  const list = el('div');
  const refresh = el('button', { type: 'button' }, t.escalated.refresh);
  const section = el('section', { id: 'escalated-alerts', 'aria-labelledby': 'escalated-alerts-title' },
    el('h2', { id: 'escalated-alerts-title' }, t.escalated.title),
    el('p', {}, t.escalated.help),
    refresh, problem, list);

  async function load() {
    problem.textContent = '';
    try {
      const alerts = await api<EscalatedAlert[]>('/api/alerts');
      const names = await patients.names(alerts.map((a) => a.patientId));
      list.replaceChildren(alerts.length ? el('ul', {}, ...alerts.map((a) => item(a, names.get(a.patientId) ?? ''))) : el('p', {}, t.escalated.none));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  const item = (alert: EscalatedAlert, patientName: string) => el('li', { 'data-alert': alert.id, 'data-severity': alert.severity },
    el('strong', {}, t.doctorAlerts.heading(alertKindWords(alert.kind), severityWords(alert.severity))), ' — ', el('span', { class: 'patient' }, patientName),
    el('br'), el('span', { class: 'reading' }, findingWords(alert.finding)),
    alert.doctorName ? el('span', {}, t.escalated.treatingDoctor, el('span', { class: 'doctor' }, t.booking.doctorName(alert.doctorName))) : null,
    el('br'), t.escalated.raised, timeOf(alert.raisedAt), alert.escalatedAt ? el('span', {}, t.escalated.escalated, timeOf(alert.escalatedAt)) : null);

  refresh.addEventListener('click', () => whileBusy([refresh], load));
  void load();
  return section;
}
