/**
 * The doctor's view of a patient's chronic care in the visit workspace (`GET /api/patients/{id}/chronic-care`):
 * the home readings chart (../monitoring/readings-chart.ts) and how regularly readings come in, the medicines
 * being taken (prescribed here or at a partner hospital, named), and the conditions, each with where it was
 * diagnosed (here, at a partner hospital, or from an uploaded document a doctor accepted).
 */
import type { readChronicCare, RecordOrigin } from '../../server/monitoring/chronic-care.js';
import { api, messageOf } from '../api.js';
import { alertLine, el } from '../dom.js';
import { dateWords } from '../i18n/format.js';
import { t, wordOf } from '../i18n/index.js';
import { readingsChart } from '../monitoring/readings-chart.js';
import { readingName } from '../monitoring/reading-kinds.js';
import { instructionWords } from '../prescriptions/types.js';

type ChronicCare = Awaited<ReturnType<typeof readChronicCare>>;

const words = t.charts.care;

const conditionOrigin = (origin: RecordOrigin) => (origin.kind === 'partner' ? words.diagnosedAt(origin.partnerName ?? t.readings.partnerHospital)
  : origin.kind === 'uploaded-document' ? words.fromDocument(origin.title) : words.diagnosedHere);

function adherence(care: ChronicCare) {
  const { adherence: a } = care;
  return el('div', { id: 'care-adherence' },
    el('h4', {}, words.adherenceTitle),
    el('p', { 'data-days': a.daysWithReadings }, el('strong', {}, words.adherence(a.daysWithReadings, a.windowDays)), ' ', words.adherenceExpected),
    Object.keys(a.byCode).length
      ? el('ul', {}, ...Object.entries(a.byCode).map(([code, days]) => el('li', {}, words.adherenceByKind(readingName({ code, display: code }), days))))
      : null);
}

type Medicine = ChronicCare['medications'][number];

/** Where a medicine comes from and until when: a prescription here (dispensed or still to be), a partner hospital, another record. */
function medicineSource(m: Medicine, timeZone: string): Array<string | HTMLElement> {
  const { origin } = m;
  if (origin.kind === 'prescription') {
    const until = m.supplyEnds
      ? [words.supplyUntil, dateWords(m.supplyEnds, timeZone)]
      : [words.notDispensedUntil, dateWords(origin.validUntil, timeZone)];
    return [...until, ' · ', words.prescription(origin.prescriptionNumber), ' · ', words.prescribedHere];
  }
  const since = m.since ? [words.prescribedOn, dateWords(m.since, timeZone), ' · '] : [];
  return [...since, el('span', { class: 'origin' }, origin.kind === 'partner' ? words.prescribedAt(origin.hospital) : words.otherRecord)];
}

/** The medicines being taken: the same list the pharmacist's review shows (server/prescriptions/current-medicines.ts). */
function medicines(care: ChronicCare) {
  return el('div', { id: 'care-medicines' },
    el('h4', {}, words.medicines),
    care.medications.length ? el('ul', {}, ...care.medications.map((m) => el('li', {
      'data-origin': m.origin.kind, 'data-drug': m.drugCode ?? undefined,
      'data-prescription': m.origin.kind === 'prescription' ? m.origin.prescriptionId : undefined,
    }, el('strong', {}, words.medicine(m.drugName, instructionWords(m.instructions))), el('br'), ...medicineSource(m, care.timeZone))))
      : el('p', {}, words.noMedicines));
}

function conditions(care: ChronicCare) {
  return el('div', { id: 'care-conditions' },
    el('h4', {}, words.conditions),
    care.conditions.length ? el('ul', {}, ...care.conditions.map((c) => el('li', { 'data-condition': c.code, 'data-origin': c.origin.kind },
      el('strong', {}, `${c.display} (${c.code})`), ` · ${wordOf(words.status, c.clinicalStatus)} · `, el('span', { class: 'origin' }, conditionOrigin(c.origin)))))
      : el('p', {}, words.noConditions));
}

/** The view for one patient; it loads itself. */
export function chronicCare(patientId: string): { element: HTMLElement } {
  const problem = alertLine();
  const body = el('div');
  const element = el('section', { id: 'chronic-care', 'aria-labelledby': 'chronic-care-title' },
    el('h3', { id: 'chronic-care-title' }, words.title), problem, body);
  void (async () => {
    try {
      const care = await api<ChronicCare>(`/api/patients/${encodeURIComponent(patientId)}/chronic-care`);
      const chart = readingsChart({ patientId, timeZone: care.timeZone, idPrefix: 'care', title: t.charts.careTitle });
      body.replaceChildren(chart.element, adherence(care), medicines(care), conditions(care));
      await chart.reload();
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  })();
  return { element };
}
