/** The doctor's "Prescriptions I issued" (`GET /api/prescriptions`), newest first, each with where it stands. */
import { api, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import { momentWords } from '../i18n/format.js';
import { t } from '../i18n/index.js';
import type { PatientDirectory } from '../patients/patient-directory.js';
import { lineWords, REJECTION_REASONS, type PrescriptionSummary } from './types.js';

const REASON_WORDS = new Map(REJECTION_REASONS);
const words = t.pages.issued;

/** What the status means to the prescriber; a rejection says the pharmacist's reason and note. */
function statusWords(p: PrescriptionSummary): string {
  switch (p.status) {
    case 'pending-review': return words.pendingReview;
    case 'ready': return words.ready;
    case 'in-progress': return words.inProgress;
    case 'completed': return words.completed(p.dispensedAt ? momentWords(p.dispensedAt) : null);
    case 'cancelled': return words.cancelled;
    case 'rejected': {
      const reason = p.review?.reasonCode ? REASON_WORDS.get(p.review.reasonCode) ?? p.review.reasonCode : words.noReason;
      return words.rejected(reason, p.review?.note ?? null);
    }
    default: return p.status;
  }
}

export function issuedPrescriptions(patients: PatientDirectory): { section: HTMLElement; refresh(): Promise<void> } {
  const problem = alertLine();
  const list = el('div');
  const refreshButton = el('button', { type: 'button' }, t.app.refresh);
  const section = el('section', { id: 'issued-prescriptions', 'aria-labelledby': 'issued-prescriptions-title' },
    el('h2', { id: 'issued-prescriptions-title' }, words.title), refreshButton, problem, list);

  async function refresh() {
    problem.textContent = '';
    try {
      const issued = await api<PrescriptionSummary[]>('/api/prescriptions');
      const names = await patients.names(issued.map((p) => p.patientId));
      list.replaceChildren(issued.length ? table(issued, names) : el('p', {}, words.none));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  const table = (issued: PrescriptionSummary[], names: Map<string, string>) => el('table', {},
    el('thead', {}, el('tr', {}, ...words.columns.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...issued.map((p) => el('tr', { 'data-prescription': p.id },
      el('td', {}, p.number),
      el('td', {}, names.get(p.patientId) ?? ''),
      el('td', { class: 'status', 'data-status': p.status }, statusWords(p)),
      el('td', {}, el('ul', {}, ...p.lines.map((line) => el('li', {}, lineWords(line))))),
      el('td', {}, timeOf(p.issuedAt))))));

  refreshButton.addEventListener('click', () => whileBusy([refreshButton], refresh));
  void refresh();
  return { section, refresh };
}
