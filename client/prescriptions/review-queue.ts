/** The pharmacist's review queue: approve a prescription, or reject it with a coded reason. */
import { api, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import { lineWords, REJECTION_REASONS, type PrescriptionSummary } from './types.js';

export function reviewQueue(): HTMLElement {
  const problem = alertLine();
  const outcome = el('p', { role: 'status' });
  const list = el('div');
  const refresh = el('button', { type: 'button' }, 'Refresh');
  const section = el('section', { id: 'review-queue', 'aria-labelledby': 'review-queue-title' },
    el('h2', { id: 'review-queue-title' }, 'Prescriptions to review'), refresh, problem, outcome, list);

  async function load() {
    try {
      const waiting = await api<PrescriptionSummary[]>('/api/prescriptions/review-queue');
      list.replaceChildren(waiting.length ? el('ol', {}, ...waiting.map(item)) : el('p', {}, 'Nothing is waiting for review.'));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  function item(prescription: PrescriptionSummary) {
    const reasonId = `reason-${prescription.id}`;
    const noteId = `note-${prescription.id}`;
    const reason = el('select', { id: reasonId },
      el('option', { value: '' }, 'Choose a reason to reject'),
      ...REJECTION_REASONS.map(([code, words]) => el('option', { value: code }, words)));
    const note = el('input', { id: noteId, maxlength: 500 });
    const approve = el('button', { type: 'button' }, 'Approve');
    const reject = el('button', { type: 'button' }, 'Reject');
    const review = (decision: 'approve' | 'reject') => whileBusy([approve, reject], async () => {
      problem.textContent = '';
      outcome.textContent = '';
      if (decision === 'reject' && !reason.value) {
        problem.textContent = `Choose a reason to reject prescription ${prescription.number}.`;
        reason.focus();
        return;
      }
      try {
        await api(`/api/prescriptions/${encodeURIComponent(prescription.id)}/review`, {
          body: { decision, ...(decision === 'reject' ? { reasonCode: reason.value } : {}), ...(note.value ? { note: note.value } : {}) },
        });
        outcome.textContent = `Prescription ${prescription.number} ${decision === 'approve' ? 'approved' : 'rejected'}.`;
        await load();
      } catch (error) {
        problem.textContent = messageOf(error);
      }
    });
    approve.addEventListener('click', () => review('approve'));
    reject.addEventListener('click', () => review('reject'));
    return el('li', { 'data-prescription': prescription.id },
      el('h3', {}, `Prescription ${prescription.number}`),
      el('p', {}, 'Issued ', timeOf(prescription.issuedAt), ', valid until ', timeOf(prescription.validUntil)),
      el('ul', {}, ...prescription.lines.map((line) => el('li', {}, lineWords(line)))),
      el('label', { for: reasonId }, 'Reason (to reject)'), reason,
      el('label', { for: noteId }, 'Note (optional)'), note,
      el('div', { class: 'controls' }, approve, reject));
  }

  refresh.addEventListener('click', () => whileBusy([refresh], async () => { problem.textContent = ''; await load(); }));
  void load();
  return section;
}
