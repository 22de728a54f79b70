/**
 * The signed-in patient's or doctor's notifications (`GET /api/notifications`): what the outbox also e-mails, in
 * plain words, newest first, dates in the recipient's zone (the one their e-mail uses). Unread ones are marked
 * and carry "Mark as read" (`POST /api/notifications/{id}/read`).
 */
import { api, messageOf } from '../api.js';
import { visitTypeWords } from '../appointments/appointment-view.js';
import { reloadOnAppointmentsChanged } from '../appointments/booking.js';
import { zonedTime } from '../appointments/local-time.js';
import { OUTCOME_WORDS, type DisputeOutcome } from '../disputes/dispute-view.js';
import { alertLine, el, whileBusy } from '../dom.js';
import { zoneWords } from '../i18n/format.js';
import { t } from '../i18n/index.js';
import { alertKindWords } from '../monitoring/alert-kinds.js';
import type { NotificationView } from '../../server/notifications/inbox.js';

interface NotificationList { timeZone: string; unread: number; notifications: NotificationView[] }

/** One notification as a sentence; `at` shows an instant in the reader's zone. */
function sentence(n: NotificationView, forDoctor: boolean, at: (iso: string | undefined) => Node | string): Array<Node | string> {
  const visit = visitTypeWords(n.visitType ?? 'in-person');
  const words = t.notifications;
  switch (n.kind) {
    case 'appointment-booked':
      return forDoctor ? words.bookedForDoctor(visit, at(n.start)) : words.bookedForPatient(visit, at(n.start));
    case 'appointment-rescheduled':
      return words.rescheduled(forDoctor, visit, at(n.previousStart), at(n.start));
    case 'appointment-cancelled':
      return words.cancelled(forDoctor, visit, at(n.start), n.reason ?? undefined);
    case 'appointment-reminder':
      return words.reminder(visit, at(n.start));
    case 'prescription-ready':
      return [words.prescriptionReady];
    case 'dispute-answered':
      return [words.disputeAnswered(OUTCOME_WORDS[n.outcome as DisputeOutcome] ?? n.outcome ?? '')];
    case 'crisis-alert':
      return [words.crisis(alertKindWords(n.alertKind ?? ''))];
  }
}

export function notificationList(role: 'patient' | 'doctor'): HTMLElement {
  const problem = alertLine();
  const summary = el('p', { role: 'status' });
  const list = el('div');
  const refresh = el('button', { type: 'button' }, t.app.refresh);
  const section = el('section', { id: 'my-notifications', 'aria-labelledby': 'my-notifications-title' },
    el('h2', { id: 'my-notifications-title' }, t.notifications.title), refresh, problem, summary, list);

  function item(n: NotificationView, zone: string): HTMLElement {
    const at = (iso: string | undefined) => (iso ? zonedTime(iso, zone) : t.notifications.unknownTime);
    const row = el('li', { 'data-notification': n.id, 'data-kind': n.kind, class: n.read ? 'read' : 'unread' },
      n.read ? null : el('strong', {}, t.notifications.new), ...sentence(n, role === 'doctor', at),
      el('br'), el('small', {}, t.notifications.sent, zonedTime(n.at, zone)));
    if (!n.read) {
      const mark = el('button', { type: 'button' }, t.notifications.markRead);
      mark.addEventListener('click', () => whileBusy([mark], async () => {
        problem.textContent = '';
        try {
          await api(`/api/notifications/${encodeURIComponent(n.id)}/read`, { body: {} });
          await load();
        } catch (error) {
          problem.textContent = messageOf(error);
        }
      }));
      row.append(' ', mark);
    }
    return row;
  }

  async function load() {
    problem.textContent = '';
    try {
      const { timeZone, unread, notifications } = await api<NotificationList>('/api/notifications');
      summary.textContent = notifications.length ? t.notifications.summary(unread, zoneWords(timeZone)) : '';
      list.replaceChildren(notifications.length
        ? el('ul', {}, ...notifications.map((n) => item(n, timeZone))) : el('p', {}, t.notifications.none));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  refresh.addEventListener('click', () => whileBusy([refresh], load));
  // A booking, move or cancellation made on this page is announced at once: show its notification.
  reloadOnAppointmentsChanged(section, () => void load());
  void load();
  return section;
}
