/**
 * "Dispute this visit" in My appointments, for a video follow-up that took place or was marked a no-show after its
 * visit was opened: a short form (what went wrong, required) that opens the dispute about the appointment's visit
 * (`visitId` in the list; `POST /api/visits/{visitId}/disputes`). The answer comes under My disputes.
 */
import { api, messageOf } from '../api.js';
import type { AppointmentView } from '../appointments/appointment-view.js';
import { alertLine, el, whileBusy } from '../dom.js';
import { t } from '../i18n/index.js';
import { announceDisputesChanged } from './dispute-view.js';

/** Appointments whose visit is over and can be disputed: it took place, or it was marked a no-show once opened. */
export const isDisputable = (a: AppointmentView) =>
  Boolean(a.visitId) && a.visitType === 'video-follow-up' && (a.status === 'fulfilled' || a.status === 'noshow');

/** The button and, once pressed, the form under it; `when` names the visit ("12 Mar 2026, 10:00"). */
export function disputeThisVisit(appointment: AppointmentView, when: string): HTMLElement {
  const formId = `dispute-form-${appointment.id}`;
  const toggle = el('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': formId,
    'aria-label': t.pages.disputes.disputeLabel(when) }, t.pages.disputes.dispute);
  const reason = el('textarea', { name: 'reason', rows: 3, maxlength: 2000, required: true, 'aria-describedby': `${formId}-problem` });
  const problem = alertLine();
  problem.id = `${formId}-problem`;
  const send = el('button', { type: 'submit' }, t.pages.disputes.send);
  const close = el('button', { type: 'button', class: 'secondary' }, t.pages.disputes.close);
  const form = el('form', { id: formId, 'aria-label': t.pages.disputes.formLabel(when), hidden: true, novalidate: true },
    el('label', {}, t.pages.disputes.whatWentWrong, reason), problem, el('div', { class: 'controls' }, send, close));
  const opened = el('p', { role: 'status' });

  const show = (open: boolean) => {
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) reason.focus();
  };
  toggle.addEventListener('click', () => {
    opened.textContent = '';
    show(form.hidden);
  });
  close.addEventListener('click', () => show(false));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy([send, close, toggle], async () => {
      problem.textContent = '';
      reason.removeAttribute('aria-invalid');
      if (!reason.value.trim()) {
        problem.textContent = t.pages.disputes.sayWhatWentWrong;
        reason.setAttribute('aria-invalid', 'true');
        return;
      }
      try {
        await api(`/api/visits/${encodeURIComponent(appointment.visitId!)}/disputes`, { body: { reason: reason.value.trim() } });
        reason.value = '';
        show(false);
        opened.textContent = t.pages.disputes.disputeOpened(when);
        announceDisputesChanged();
      } catch (error) {
        problem.textContent = messageOf(error);
      }
    });
  });
  return el('div', { class: 'dispute' }, toggle, opened, form);
}
