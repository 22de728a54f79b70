/** The doctor's "Prescriptions I issued" (`GET /api/prescriptions`), newest first, each with where it stands. */
import { api, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import type { PatientDirectory } from '../patients/patient-directory.js';
import { lineWords, REJECTION_REASONS, type PrescriptionSummary } from './types.js';

const REASON_WORDS = new Map(REJECTION_REASONS);

/** What the status means to the prescriber; a rejection says the pharmacist's reason and note. */
function statusWords(p: PrescriptionSummary): string {
  switch (p.status) {
    case 'pending-review': return 'pending review: waiting for a pharmacist';
    case 'ready': return 'ready: approved, any pharmacy can dispense it';
    case 'in-progress': return 'being dispensed by a pharmacy';
    case 'completed': return `dispensed${p.dispensedAt ? ` on ${new Date(p.dispensedAt).toLocaleString()}` : ''}`;
    case 'cancelled': return 'cancelled';
    case 'rejected': {
      const reason = p.review?.reasonCode ? REASON_WORDS.get(p.review.reasonCode) ?? p.review.reasonCode : 'no reason given';
      return `rejected by the pharmacist: ${reason}${p.review?.note ? ` ("${p.review.note}")` : ''}`;
    }
    default: return p.status;
  }
}

export function issuedPrescriptions(patients: PatientDirectory): { section: HTMLElement; refresh(): Promise<void> } {
  const problem = alertLine();
  const list = el('div');
  const refreshButton = el('button', { type: 'button' }, 'Refresh');
  const section = el('section', { id: 'issued-prescriptions', 'aria-labelledby': 'issued-prescriptions-title' },
    el('h2', { id: 'issued-prescriptions-title' }, 'Prescriptions I issued'), refreshButton, problem, list);

  async function refresh() {
    problem.textContent = '';
    try {
      const issued = await api<PrescriptionSummary[]>('/api/prescriptions');
      const names = await patients.names(issued.map((p) => p.patientId));
      list.replaceChildren(issued.length ? table(issued, names) : el('p', {}, 'You have not issued any prescriptions.'));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  const table = (issued: PrescriptionSummary[], names: Map<string, string>) => el('table', {},
    el('thead', {}, el('tr', {}, ...['Number', 'Patient', 'Status', 'Medicines', 'Issued'].map((h) => el('th', { scope: 'col' }, h)))),
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
