/** The patient's "My appointments", with the link to the visit page for a video follow-up. */
import { api, messageOf } from '../api.js';
import { alertLine, el, timeOf } from '../dom.js';
import { ROOM_OPEN, visitPath, visitTypeWords, type AppointmentView } from './appointment-view.js';

export function patientAppointments(): HTMLElement {
  const problem = alertLine();
  const list = el('div');
  const section = el('section', { id: 'my-appointments', 'aria-labelledby': 'my-appointments-title' },
    el('h2', { id: 'my-appointments-title' }, 'My appointments'), problem, list);

  void (async () => {
    try {
      const { appointments } = await api<{ appointments: AppointmentView[] }>('/api/appointments');
      list.replaceChildren(appointments.length
        ? el('ul', {}, ...appointments.map((a) => el('li', { 'data-appointment': a.id },
          timeOf(a.start), ` — ${visitTypeWords(a.visitType)}, ${a.status}`,
          a.joinUrl && ROOM_OPEN.has(a.status) ? el('span', {}, ' ', el('a', { href: visitPath(a.joinUrl) }, 'Join the video visit')) : null)))
        : el('p', {}, 'You have no appointments.'));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  })();
  return section;
}
