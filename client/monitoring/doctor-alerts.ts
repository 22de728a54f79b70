/**
 * The doctor's open home-monitoring alerts (`GET /api/alerts?status=open`: their patients' alerts), each with the
 * patient, what kind it is and the reading that raised it; "Acknowledge" takes it off the list (and stops a
 * critical alert's escalation), with the minutes the doctor spent on it when she fills them in: they count toward
 * the month's remote monitoring time (99457/99458, docs/billing.md).
 */
import { api, ApiError, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import type { PatientDirectory } from '../patients/patient-directory.js';
import { t } from '../i18n/index.js';
import type { AlertView as MonitoringAlert } from '../../server/monitoring/contract.js';
import { alertKindWords, severityWords } from './alert-kinds.js';
import { findingWords } from './alert-findings.js';

/** The acknowledgement's body: the minutes when filled in (the server refuses more than 60, in problem words). */
const acknowledgementOf = (minutes: HTMLInputElement) => (minutes.value.trim() === '' ? {} : { minutes: Number(minutes.value) });

export function doctorAlerts(patients: PatientDirectory): HTMLElement {
  const problem = alertLine();
  const outcome = el('p', { role: 'status' });
  const list = el('div');
  const refresh = el('button', { type: 'button' }, t.app.refresh);
  const section = el('section', { id: 'my-alerts', 'aria-labelledby': 'my-alerts-title' },
    el('h2', { id: 'my-alerts-title' }, t.doctorAlerts.title), refresh, problem, outcome, list);
  const empty = () => el('p', {}, t.doctorAlerts.none);

  async function load() {
    problem.textContent = '';
    try {
      const alerts = await api<MonitoringAlert[]>('/api/alerts?status=open');
      const names = await patients.names(alerts.map((a) => a.patientId));
      list.replaceChildren(alerts.length ? el('ul', {}, ...alerts.map((a) => item(a, names.get(a.patientId) ?? ''))) : empty());
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  function item(alert: MonitoringAlert, patientName: string) {
    const kind = alertKindWords(alert.kind);
    const acknowledge = el('button', { type: 'button' }, t.doctorAlerts.acknowledge);
    const minutesId = `alert-minutes-${alert.id}`;
    const minutes = el('input', { id: minutesId, type: 'number', min: 0, max: 60, step: 1, inputmode: 'numeric' });
    const row = el('li', { 'data-alert': alert.id, 'data-severity': alert.severity },
      el('strong', {}, t.doctorAlerts.heading(kind, severityWords(alert.severity))), ' — ', el('span', { class: 'patient' }, patientName),
      el('br'), el('span', { class: 'reading' }, findingWords(alert.finding)),
      el('br'), t.doctorAlerts.raised, timeOf(alert.raisedAt), alert.escalated ? t.doctorAlerts.escalated : '',
      el('div', { class: 'controls' }, el('label', { for: minutesId }, t.doctorAlerts.minutesSpent), minutes, acknowledge));
    const gone = (words: string) => {
      row.remove();
      outcome.textContent = words;
      if (!list.querySelector('li')) list.replaceChildren(empty());
    };
    acknowledge.addEventListener('click', () => whileBusy([acknowledge], async () => {
      problem.textContent = '';
      outcome.textContent = '';
      try {
        await api(`/api/alerts/${encodeURIComponent(alert.id)}/acknowledge`, { body: acknowledgementOf(minutes) });
        gone(t.doctorAlerts.acknowledged(kind, patientName));
      } catch (error) {
        if (error instanceof ApiError && error.code === 'alert-already-acknowledged') gone(t.doctorAlerts.alreadyAcknowledged(kind, patientName));
        else problem.textContent = messageOf(error);
      }
    }));
    return row;
  }

  refresh.addEventListener('click', () => whileBusy([refresh], load));
  void load();
  return section;
}
