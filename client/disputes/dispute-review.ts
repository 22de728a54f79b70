/**
 * The admin's "Dispute under review": one dispute with its evidence timeline (`GET /api/disputes/{id}/timeline`)
 * and, while it is open, the resolution form (outcome and the words the patient reads →
 * `POST /api/disputes/{id}/resolution`, accepted once: a second one is 409 `dispute-already-resolved`).
 */
import { api, ApiError, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import { OUTCOME_WORDS, visitWords, type DisputeOutcome, type DisputeView } from './dispute-view.js';
import { evidenceTimeline, type TimelineEntry } from './evidence-timeline.js';

export interface DisputeReviewOptions {
  /** Called once a dispute is resolved, here or (as a refusal shows) elsewhere: the lists are out of date. */
  onResolved(): void;
}

const resolutionWords = (dispute: DisputeView) => {
  const { resolution } = dispute;
  if (!resolution) return null;
  return el('div', { class: 'resolution', 'data-outcome': resolution.outcome },
    el('p', {}, el('strong', {}, `Resolved: ${OUTCOME_WORDS[resolution.outcome] ?? resolution.outcome}`),
      resolution.resolvedAt ? el('span', {}, ' on ', timeOf(resolution.resolvedAt)) : null),
    el('p', {}, 'The patient reads: ', el('q', {}, resolution.text)));
};

export function disputeReview({ onResolved }: DisputeReviewOptions) {
  const title = el('h2', { id: 'dispute-review-title', tabindex: -1 }, 'Dispute under review');
  const problem = alertLine();
  const done = el('p', { role: 'status' });
  const body = el('div', {}, el('p', {}, 'Choose a dispute above ("Review the evidence") to read the visit\'s evidence and resolve it.'));
  const section = el('section', { id: 'dispute-review', 'aria-labelledby': 'dispute-review-title' }, title, problem, done, body);
  let opened = 0;

  /** The dispute as listed (with its visit and patient) and its evidence, which the server reads afresh. */
  async function open(listed: DisputeView, patientName: string) {
    const ticket = ++opened;
    problem.textContent = '';
    done.textContent = '';
    body.replaceChildren(el('p', {}, 'Reading the evidence…'));
    section.scrollIntoView();
    title.focus();
    try {
      const answer = await api<{ dispute: DisputeView; timeline: TimelineEntry[] }>(`/api/disputes/${encodeURIComponent(listed.id)}/timeline`);
      // A slower earlier open must not draw over the dispute the admin chose since.
      if (ticket !== opened) return;
      const dispute = { ...answer.dispute, visit: listed.visit };
      const outcome = el('div', {}, resolutionWords(dispute) ?? resolutionForm(dispute, (resolved) => outcome.replaceChildren(resolutionWords(resolved)!)));
      body.replaceChildren(
        el('dl', { 'data-dispute': dispute.id },
          el('dt', {}, 'Patient'), el('dd', { class: 'patient' }, patientName),
          el('dt', {}, 'Visit'), el('dd', {}, ...visitWords(dispute.visit, timeOf)),
          el('dt', {}, 'Reason'), el('dd', {}, el('q', {}, dispute.reason)),
          el('dt', {}, 'Opened'), el('dd', {}, timeOf(dispute.openedAt))),
        el('h3', {}, 'Evidence'), evidenceTimeline(answer.timeline),
        el('h3', {}, 'Resolution'), outcome);
    } catch (error) {
      if (ticket === opened) body.replaceChildren(el('p', {}, messageOf(error)));
    }
  }

  function resolutionForm(dispute: DisputeView, showResolved: (dispute: DisputeView) => void): HTMLElement {
    const choices = (Object.keys(OUTCOME_WORDS) as DisputeOutcome[]).map((outcome) =>
      el('label', { class: 'choice' }, el('input', { type: 'radio', name: 'outcome', value: outcome, required: true }), ` ${OUTCOME_WORDS[outcome]}`));
    const text = el('textarea', { name: 'resolution', rows: 4, maxlength: 2000, required: true });
    const formProblem = alertLine();
    const resolve = el('button', { type: 'submit' }, 'Resolve the dispute');
    const form = el('form', { 'aria-label': 'Resolve the dispute', novalidate: true },
      el('fieldset', {}, el('legend', {}, 'Outcome'), ...choices),
      el('label', {}, 'Resolution (the patient reads this) ', text), formProblem, resolve);

    async function submit() {
      formProblem.textContent = '';
      const outcome = form.querySelector<HTMLInputElement>('input[name="outcome"]:checked')?.value as DisputeOutcome | undefined;
      if (!outcome || !text.value.trim()) {
        formProblem.textContent = !outcome ? 'Choose an outcome: upheld, partially upheld or rejected.' : 'Write the resolution: the patient reads it with the outcome.';
        return;
      }
      try {
        const resolved = await api<DisputeView>(`/api/disputes/${encodeURIComponent(dispute.id)}/resolution`, { body: { outcome, resolution: text.value.trim() } });
        done.textContent = `Resolved as ${OUTCOME_WORDS[outcome]}. The patient sees the outcome under My disputes.`;
        showResolved(resolved);
        onResolved();
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'dispute-already-resolved')) {
          formProblem.textContent = messageOf(error);
          return;
        }
        problem.textContent = 'This dispute had already been resolved (by another admin, or in another window), so your resolution was not '
          + 'recorded. The resolution on record is shown below.';
        onResolved();
        try {
          showResolved(await api<DisputeView>(`/api/disputes/${encodeURIComponent(dispute.id)}`));
        } catch (readError) {
          formProblem.textContent = messageOf(readError);
        }
      }
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void whileBusy([resolve], submit);
    });
    return form;
  }

  return { section, open };
}
