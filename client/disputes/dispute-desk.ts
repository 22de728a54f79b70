/**
 * The admin's "Disputes": the open ones (`GET /api/disputes?status=open`, oldest first: the queue), then the
 * resolved ones (`?status=resolved`, latest first), each with the patient, the visit, the reason and when it was
 * opened; "Review the evidence" opens it in "Dispute under review" (dispute-review.ts) below.
 */
import { api, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import { t } from '../i18n/index.js';
import type { PatientDirectory } from '../patients/patient-directory.js';
import { disputeReview } from './dispute-review.js';
import { OUTCOME_WORDS, visitWords, type DisputeView } from './dispute-view.js';

export function disputeDesk(patients: PatientDirectory): HTMLElement[] {
  const problem = alertLine();
  const open = el('div', { id: 'open-disputes' });
  const resolved = el('div', { id: 'resolved-disputes' });
  const refresh = el('button', { type: 'button', class: 'secondary' }, t.disputeDesk.refresh);
  const section = el('section', { id: 'disputes', 'aria-labelledby': 'disputes-title' },
    el('h2', { id: 'disputes-title' }, t.disputeDesk.title), refresh, problem,
    el('h3', {}, t.disputeDesk.open), open, el('h3', {}, t.disputeDesk.resolved), resolved);
  const review = disputeReview({ onResolved: () => void load() });

  async function load() {
    problem.textContent = '';
    try {
      const [waiting, done] = await Promise.all([api<DisputeView[]>('/api/disputes?status=open'), api<DisputeView[]>('/api/disputes?status=resolved')]);
      const names = await patients.names([...waiting, ...done].map((d) => d.patientId));
      const list = (disputes: DisputeView[], none: string) =>
        disputes.length ? el('ul', {}, ...disputes.map((d) => item(d, names.get(d.patientId) ?? ''))) : el('p', {}, none);
      open.replaceChildren(list(waiting, t.disputeDesk.noOpen));
      resolved.replaceChildren(list([...done].reverse(), t.disputeDesk.noResolved));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  function item(dispute: DisputeView, patientName: string): HTMLElement {
    const opened = timeOf(dispute.openedAt);
    const button = el('button', { type: 'button', 'aria-label': t.disputeDesk.reviewLabel(patientName, opened.textContent ?? '') }, t.disputeDesk.review);
    button.addEventListener('click', () => void review.open(dispute, patientName));
    const { resolution } = dispute;
    return el('li', { 'data-dispute': dispute.id, 'data-status': dispute.status },
      el('strong', { class: 'patient' }, patientName), ' — ', ...visitWords(dispute.visit, timeOf),
      el('br'), t.disputeDesk.reason, el('q', {}, dispute.reason),
      el('br'), t.disputeDesk.opened, opened,
      resolution ? el('span', {}, el('br'), `${OUTCOME_WORDS[resolution.outcome] ?? resolution.outcome}: `, el('q', {}, resolution.text)) : null,
      el('div', { class: 'controls' }, button));
  }

  refresh.addEventListener('click', () => whileBusy([refresh], load));
  void load();
  return [section, review.section];
}
