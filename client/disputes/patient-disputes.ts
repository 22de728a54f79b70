/**
 * The patient's "My disputes" (`GET /api/disputes`: their own, oldest first): the visit each is about, what they
 * wrote and when, and whether the hospital is still looking into it or, once resolved, the outcome and the admin's
 * words. Reloads when a dispute is opened from My appointments; an open one's "Check for an answer" reads it again
 * (`GET /api/disputes/{id}`).
 */
import { api, messageOf } from '../api.js';
import { zonedTime } from '../appointments/local-time.js';
import { alertLine, el, whileBusy } from '../dom.js';
import { t } from '../i18n/index.js';
import { myPatientRecord } from '../patient-record.js';
import { OUTCOME_WORDS, reloadOnDisputesChanged, visitWords, type DisputeView } from './dispute-view.js';

const words = t.pages.disputes;

export function patientDisputes(): HTMLElement {
  const problem = alertLine();
  const checked = el('p', { role: 'status' });
  const list = el('div');
  const section = el('section', { id: 'my-disputes', 'aria-labelledby': 'my-disputes-title' },
    el('h2', { id: 'my-disputes-title' }, words.mine),
    el('p', {}, words.howToDispute), problem, checked, list);
  let time = (iso: string) => zonedTime(iso, 'UTC');

  async function load() {
    problem.textContent = '';
    try {
      const [{ timeZone }, disputes] = await Promise.all([myPatientRecord(), api<DisputeView[]>('/api/disputes')]);
      time = (iso) => zonedTime(iso, timeZone);
      list.replaceChildren(disputes.length
        ? el('ul', {}, ...[...disputes].reverse().map(item))
        : el('p', {}, words.noneOfMine));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  function item(dispute: DisputeView): HTMLElement {
    const row = el('li', { 'data-dispute': dispute.id, 'data-status': dispute.status },
      el('strong', {}, ...visitWords(dispute.visit, time)),
      el('p', {}, ...words.youWrote(time(dispute.openedAt)), el('q', {}, dispute.reason)));
    const { resolution } = dispute;
    if (resolution) {
      row.append(el('div', { class: 'resolution' },
        el('p', {}, el('strong', { class: 'outcome' }, words.resolved(OUTCOME_WORDS[resolution.outcome] ?? resolution.outcome)),
          words.meaning(words.outcomeMeaning[resolution.outcome] ?? ''), resolution.resolvedAt ? el('span', {}, ...words.resolvedAt(time(resolution.resolvedAt))) : null),
        el('p', {}, words.hospitalAnswer, el('q', { class: 'answer' }, resolution.text))));
      return row;
    }
    const opened = time(dispute.openedAt).textContent;
    const check = el('button', { type: 'button', class: 'secondary', 'aria-label': words.checkLabel(opened ?? '') }, words.check);
    check.addEventListener('click', () => whileBusy([check], async () => {
      problem.textContent = '';
      checked.textContent = '';
      try {
        const now = await api<DisputeView>(`/api/disputes/${encodeURIComponent(dispute.id)}`);
        row.replaceWith(item(now));
        checked.textContent = now.resolution ? words.answered(opened ?? '') : words.notAnswered(opened ?? '');
      } catch (error) {
        problem.textContent = messageOf(error);
      }
    }));
    row.append(el('p', {}, words.reviewing, check));
    return row;
  }

  reloadOnDisputesChanged(section, () => void load());
  void load();
  return section;
}
