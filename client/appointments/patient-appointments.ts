/**
 * The patient's "My appointments": the link to the visit page for a video follow-up, and Cancel for a booked one
 * (`POST /api/appointments/{id}/cancel`), and "Dispute this visit" for a finished video follow-up (client/disputes/).
 * Reloads whenever a booking anywhere on the page changes them.
 */
import { api, ApiError, messageOf } from '../api.js';
import { disputeThisVisit, isDisputable } from '../disputes/open-dispute.js';
import { alertLine, el, whileBusy } from '../dom.js';
import { t } from '../i18n/index.js';
import { appointmentStatusWords, ROOM_OPEN, visitPath, visitTypeWords, type AppointmentList, type AppointmentView } from './appointment-view.js';
import { announceAppointmentsChanged, reloadOnAppointmentsChanged } from './booking.js';
import { zonedTime } from './local-time.js';

const durationWords = (minutes: number) =>
  minutes % 60 === 0 ? t.appointments.hours(minutes / 60) : t.appointments.minutes(minutes);

/** A refused cancellation in plain words (docs/appointments.md "Error codes"). */
function cancellationRefusal(error: unknown): string {
  if (!(error instanceof ApiError)) return messageOf(error);
  if (error.code === 'cancellation-cutoff-passed' && typeof error.problem.cutoffMinutes === 'number') {
    return t.appointments.tooLate(durationWords(error.problem.cutoffMinutes));
  }
  if (error.code === 'appointment-not-active') return t.appointments.notActive(typeof error.problem.current === 'string' ? appointmentStatusWords(error.problem.current) : t.appointments.noLongerBooked);
  return error.message;
}

export function patientAppointments(): HTMLElement {
  const problem = alertLine();
  const done = el('p', { role: 'status' });
  const list = el('div');
  const section = el('section', { id: 'my-appointments', 'aria-labelledby': 'my-appointments-title' },
    el('h2', { id: 'my-appointments-title' }, t.appointments.title), problem, done, list);

  async function load() {
    try {
      const { appointments } = await api<AppointmentList>('/api/appointments');
      list.replaceChildren(appointments.length
        ? el('ul', {}, ...appointments.map(item))
        : el('p', {}, t.appointments.none));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  function item(a: AppointmentView): HTMLElement {
    return el('li', { 'data-appointment': a.id, 'data-status': a.status },
      zonedTime(a.start, a.timeZone), t.appointments.item(visitTypeWords(a.visitType), appointmentStatusWords(a.status)),
      a.joinUrl && ROOM_OPEN.has(a.status) ? el('span', {}, ' ', el('a', { href: visitPath(a.joinUrl) }, t.appointments.join)) : null,
      a.status === 'booked' ? el('span', {}, ' ', cancelButton(a)) : null,
      isDisputable(a) ? disputeThisVisit(a, zonedTime(a.start, a.timeZone).textContent ?? '') : null);
  }

  function cancelButton(a: AppointmentView): HTMLButtonElement {
    const when = zonedTime(a.start, a.timeZone).textContent;
    const button = el('button', { type: 'button', class: 'secondary', 'aria-label': t.appointments.cancelLabel(when ?? '') }, t.appointments.cancel);
    button.addEventListener('click', () => whileBusy([button], async () => {
      problem.textContent = '';
      done.textContent = '';
      try {
        await api(`/api/appointments/${encodeURIComponent(a.id)}/cancel`, { body: {} });
        done.textContent = t.appointments.cancelled(when ?? '');
        announceAppointmentsChanged();
      } catch (error) {
        problem.textContent = cancellationRefusal(error);
        if (error instanceof ApiError && error.code === 'appointment-not-active') await load();
      }
    }));
    return button;
  }

  reloadOnAppointmentsChanged(section, () => void load());
  void load();
  return section;
}
