/**
 * The admin's "Dispute under review": one dispute with its evidence timeline (`GET /api/disputes/{id}/timeline`)
 * and, while it is open, the resolution form (outcome and the words the patient reads →
 * `POST /api/disputes/{id}/resolution`, accepted once: a second one is 409 `dispute-already-resolved`).
 */
import { api, ApiError, messageOf } from '../api.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import { t } from '../i18n/index.js';
import { OUTCOME_WORDS, OUTCOMES, visitWords, type DisputeOutcome, type DisputeView } from './dispute-view.js';
import { evidenceTimeline, type TimelineEntry } from './evidence-timeline.js';

export interface DisputeReviewOptions {
  /** Called once a dispute is resolved, here or (as a refusal shows) elsewhere: the lists are out of date. */
  onResolved(): void;
}

const words = t.pages.disputes;

const resolutionWords = (dispute: DisputeView) => {
  const { resolution } = dispute;
  if (!resolution) return null;
  return el('div', { class: 'resolution', 'data-outcome': resolution.outcome },
    el('p', {}, el('strong', {}, words.resolved(OUTCOME_WORDS[resolution.outcome] ?? resolution.outcome)),
      resolution.resolvedAt ? el('span', {}, ...words.resolvedOn(timeOf(resolution.resolvedAt))) : null),
    el('p', {}, words.patientReads, el('q', {}, resolution.text)));
};

export function disputeReview({ onResolved }: DisputeReviewOptions) {
  const title = el('h2', { id: 'dispute-review-title', tabindex: -1 }, words.reviewTitle);
  const problem = alertLine();
  const done = el('p', { role: 'status' });
  const body = el('div', {}, el('p', {}, words.chooseAbove));
  const section = el('section', { id: 'dispute-review', 'aria-labelledby': 'dispute-review-title' }, title, problem, done, body);
  let opened = 0;

  /** The dispute as listed (with its visit and patient) and its evidence, which the server reads afresh. */
  async function open(listed: DisputeView, patientName: string) {
    const ticket = ++opened;
    problem.textContent = '';
    done.textContent = '';
    body.replaceChildren(el('p', {}, words.readingEvidence));
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
          el('dt', {}, words.patient), el('dd', { class: 'patient' }, patientName),
          el('dt', {}, words.visitHeading), el('dd', {}, ...visitWords(dispute.visit, timeOf)),
          el('dt', {}, words.reason), el('dd', {}, el('q', {}, dispute.reason)),
          el('dt', {}, words.opened), el('dd', {}, timeOf(dispute.openedAt))),
        el('h3', {}, words.evidence), evidenceTimeline(answer.timeline),
        el('h3', {}, words.resolution), outcome);
    } catch (error) {
      if (ticket === opened) body.replaceChildren(el('p', {}, messageOf(error)));
    }
  }

  function resolutionForm(dispute: DisputeView, showResolved: (dispute: DisputeView) => void): HTMLElement {
    const choices = OUTCOMES.map((outcome) =>
      el('label', { class: 'choice' }, el('input', { type: 'radio', name: 'outcome', value: outcome, required: true }), ` ${OUTCOME_WORDS[outcome]}`));
    const text = el('textarea', { name: 'resolution', rows: 4, maxlength: 2000, required: true });
    const formProblem = alertLine();
    const resolve = el('button', { type: 'submit' }, words.resolve);
    const form = el('form', { 'aria-label': words.resolve, novalidate: true },
      el('fieldset', {}, el('legend', {}, words.outcomeLegend), ...choices),
      el('label', {}, words.resolutionLabel, text), formProblem, resolve);

    async function submit() {
      formProblem.textContent = '';
      const outcome = form.querySelector<HTMLInputElement>('input[name="outcome"]:checked')?.value as DisputeOutcome | undefined;
      if (!outcome || !text.value.trim()) {
        formProblem.textContent = !outcome ? words.chooseOutcome : words.writeResolution;
        return;
      }
      try {
        const resolved = await api<DisputeView>(`/api/disputes/${encodeURIComponent(dispute.id)}/resolution`, { body: { outcome, resolution: text.value.trim() } });
        done.textContent = words.resolvedAs(OUTCOME_WORDS[outcome]);
        showResolved(resolved);
        onResolved();
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'dispute-already-resolved')) {
          formProblem.textContent = messageOf(error);
          return;
        }
        problem.textContent = words.alreadyResolved;
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
