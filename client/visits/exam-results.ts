/**
 * The exam results of a visit's patient in the doctor's workspace (`GET /api/visits/{id}/exam-results`): each
 * report with its results and its origin (this hospital, or which partner hospital), so a test already done
 * elsewhere is recognised instead of ordered again. "Check partner hospitals now" asks the partners first
 * (`?fresh=true`) and shows what came back, and which partners did not answer.
 */
import { api, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import { listPartners, pullSummary, type Partner, type PullResult } from '../exchange/partner-pull.js';
import { numberWords } from '../i18n/format.js';
import { t, wordOf } from '../i18n/index.js';

interface ExamResultValue {
  id: string; status: string; code: string; display: string; value: number | null; unit: string | null;
  components: Array<{ code: string; display: string; value: number; unit: string }>; effectiveAt: string;
}
interface ExamReport {
  id: string; status: string; code: string; display: string; effectiveAt: string; issuedAt: string | null;
  performer: string | null; conclusion: string | null; results: ExamResultValue[];
  origin: { kind: 'local' } | { kind: 'partner'; partnerName: string | null; fhirBaseUrl: string };
}
interface ExamResults { examResults: ExamReport[]; partnerPull?: PullResult }

const words = t.pages.examResults;

/** Where the exam was done, said first on each report. */
function originLine(origin: ExamReport['origin']): HTMLElement {
  if (origin.kind === 'local') return el('p', { class: 'origin', 'data-origin': 'local' }, words.local);
  return el('p', { class: 'origin', 'data-origin': 'partner' },
    el('strong', {}, words.fromPartner(origin.partnerName)), words.partnerAddress(origin.fhirBaseUrl));
}

/** A value with its unit as people write it ("mmHg", not `mm[Hg]`). */
const quantityWords = (value: number, unit: string | null) => (unit ? `${numberWords(value)} ${t.readings.units[unit] ?? unit}` : numberWords(value));

const valueWords = (r: ExamResultValue) => (r.value !== null
  ? quantityWords(r.value, r.unit)
  : r.components.map((c) => `${c.display} ${quantityWords(c.value, c.unit)}`).join(', ') || words.noValue);

function report(r: ExamReport): HTMLElement {
  const titleId = `exam-${r.id}`;
  return el('article', { class: 'exam-report', 'data-report': r.id, 'aria-labelledby': titleId },
    el('h4', { id: titleId }, r.display || r.code, r.status === 'final' ? '' : words.withStatus(wordOf(words.reportStatus, r.status))),
    originLine(r.origin),
    el('p', {}, ...words.done(timeOf(r.effectiveAt), r.issuedAt ? timeOf(r.issuedAt) : null, r.performer)),
    r.results.length ? el('table', {},
      el('thead', {}, el('tr', {}, ...words.columns.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...r.results.map((v) => el('tr', { 'data-result': v.id },
        el('td', {}, v.display || v.code), el('td', {}, valueWords(v)), el('td', {}, timeOf(v.effectiveAt)))))) : null,
    r.conclusion ? el('p', {}, el('strong', {}, words.conclusion), r.conclusion) : null);
}

export function examResults(visitId: string): { element: HTMLElement } {
  const problem = alertLine();
  const pulled = el('div');
  const list = el('div', { class: 'exam-reports' }, el('p', {}, words.loading));
  const check = el('button', { type: 'button', class: 'secondary' }, words.check);
  const titleId = `exam-results-title-${visitId}`;
  const element = el('section', { class: 'exam-results', 'aria-labelledby': titleId },
    el('h3', { id: titleId }, words.title),
    el('p', {}, words.help),
    el('div', { class: 'controls' }, check), problem, pulled, list);
  let partners: Promise<Partner[]> | undefined;

  async function load(fresh: boolean) {
    problem.textContent = '';
    try {
      const answer = await api<ExamResults>(`/api/visits/${encodeURIComponent(visitId)}/exam-results${fresh ? '?fresh=true' : ''}`);
      list.replaceChildren(...(answer.examResults.length ? answer.examResults.map(report) : [el('p', {}, words.none)]));
      if (answer.partnerPull) {
        partners ??= listPartners().catch(() => { partners = undefined; return []; });
        pulled.replaceChildren(pullSummary(answer.partnerPull, await partners));
      }
    } catch (error) {
      if (!fresh) list.replaceChildren();
      problem.textContent = messageOf(error);
    }
  }

  check.addEventListener('click', () => whileBusy([check], () => load(true)));
  void load(false);
  return { element };
}
