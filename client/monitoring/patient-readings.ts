/**
 * The patient's "My home readings": the form to send one, the open alerts readings raised (with follow-up
 * slots to book), the readings as a chart over time (./readings-chart.ts), and the last readings, newest first
 * (`GET /api/patients/{id}/readings`).
 */
import { api, messageOf } from '../api.js';
import { alertLine, el } from '../dom.js';
import { zonedTime } from '../appointments/local-time.js';
import { t } from '../i18n/index.js';
import { withMyPatientRecord, type PatientRecord } from '../patient-record.js';
import { openAlerts } from './patient-alerts.js';
import { readingForm } from './reading-form.js';
import { readingsChart } from './readings-chart.js';
import { hospitalWords, readingName, valueWords, type ReadingView } from './reading-kinds.js';

const SHOWN_READINGS = 20;

const methodWords = (r: ReadingView) => (r.entryMethod === 'device' ? t.readings.fromDevice(r.deviceName)
  : r.entryMethod === 'typed' ? t.readings.typedIn : t.readings.methodUnknown);
/** How and where it was recorded: a partner's reading says so, and a copy sent by a partner too is named, not listed again. */
const howWords = (r: ReadingView) => [methodWords(r), r.origin.kind === 'partner' ? t.readings.at(hospitalWords(r.origin)) : '',
  r.alsoFrom.length ? t.readings.alsoFrom(r.alsoFrom.map(hospitalWords).join(', ')) : ''].filter(Boolean).join(' ');

function lastReadings(patient: PatientRecord) {
  const problem = alertLine();
  const list = el('div');
  const element = el('div', { id: 'my-last-readings' }, el('h3', {}, t.readings.last), problem, list);

  async function reload() {
    try {
      const readings = await api<ReadingView[]>(`/api/patients/${encodeURIComponent(patient.id)}/readings?limit=${SHOWN_READINGS}`);
      list.replaceChildren(readings.length ? table(readings) : el('p', {}, t.readings.none));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  const table = (readings: ReadingView[]) => el('table', {},
    el('thead', {}, el('tr', {}, ...t.readings.columns.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...readings.map((r) => el('tr', { 'data-reading': r.id },
      el('td', {}, zonedTime(r.effectiveAt, patient.timeZone)), el('td', {}, readingName(r)), el('td', {}, valueWords(r)), el('td', {}, howWords(r))))));

  return { element, reload };
}

export function patientReadings(): HTMLElement {
  const problem = alertLine();
  const section = el('section', { id: 'my-readings', 'aria-labelledby': 'my-readings-title' },
    el('h2', { id: 'my-readings-title' }, t.readings.title), problem);

  withMyPatientRecord(problem, async (patient) => {
    const alerts = openAlerts(patient);
    const history = lastReadings(patient);
    const chart = readingsChart({ patientId: patient.id, timeZone: patient.timeZone, idPrefix: 'my', title: t.charts.title });
    const reloadBoth = async () => { await Promise.all([alerts.reload(), history.reload(), chart.reload()]); };
    section.append(readingForm(patient, reloadBoth), alerts.element, chart.element, history.element);
    await reloadBoth();
  });
  return section;
}
