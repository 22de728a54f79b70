/** The patient's "My appointments", with the link to the visit page for a video follow-up. */
import { api, messageOf } from '../api.js';
import { alertLine, el, timeOf } from '../dom.js';

interface AppointmentView { id: string; status: string; visitType: string; start: string; joinUrl: string | null }

const OPEN = new Set(['booked', 'arrived']);

/** The visit page on this origin: joinUrl names the public base URL, which a local or test server may not serve. */
const visitPath = (joinUrl: string) => new URL(joinUrl, location.href).pathname;

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
          timeOf(a.start), ` — ${a.visitType.replaceAll('-', ' ')}, ${a.status}`,
          a.joinUrl && OPEN.has(a.status) ? el('span', {}, ' ', el('a', { href: visitPath(a.joinUrl) }, 'Join the video visit')) : null)))
        : el('p', {}, 'You have no appointments.'));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  })();
  return section;
}
