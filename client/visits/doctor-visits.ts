/**
 * The doctor's diary: "My upcoming visits" (from now on) and the last 24 hours' visits (where one is in progress
 * or just finished, still open for the note and for prescribing). Each names its patient; a video follow-up links
 * to its room and opens in the visit workspace.
 */
import { api, messageOf } from '../api.js';
import { appointmentStatusWords, ROOM_OPEN, visitPath, visitTypeWords, type AppointmentList, type AppointmentView } from '../appointments/appointment-view.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import { t } from '../i18n/index.js';
import type { PatientDirectory } from '../patients/patient-directory.js';

const DAY = 86_400_000;
/** Appointments whose visit may be worked on: not cancelled, not a no-show. */
const WORKABLE = new Set(['booked', 'arrived', 'fulfilled']);

export interface DoctorVisitsOptions {
  patients: PatientDirectory;
  /** Opens the appointment's visit in the workspace. */
  openVisit(appointment: AppointmentView, patientName: string): void;
}

const diary = async (query: Record<string, string>) =>
  (await api<AppointmentList>(`/api/appointments?${new URLSearchParams(query)}`)).appointments;

export function doctorVisits({ patients, openVisit }: DoctorVisitsOptions): HTMLElement {
  const problem = alertLine();
  const upcoming = el('div', { id: 'upcoming-visits' });
  const recent = el('div', { id: 'recent-visits' });
  const refresh = el('button', { type: 'button' }, t.app.refresh);
  const section = el('section', { id: 'my-visits', 'aria-labelledby': 'my-visits-title' },
    el('h2', { id: 'my-visits-title' }, t.doctorVisits.title), refresh, problem, upcoming,
    el('h3', {}, t.doctorVisits.recent), recent);

  async function load() {
    problem.textContent = '';
    const now = new Date();
    try {
      const [next, past] = await Promise.all([
        diary({ from: now.toISOString() }),
        diary({ from: new Date(now.getTime() - DAY).toISOString(), to: now.toISOString(), status: [...WORKABLE].join(',') }),
      ]);
      const names = await patients.names([...next, ...past].map((a) => a.patientId));
      upcoming.replaceChildren(next.length ? visitList(next, names) : el('p', {}, t.doctorVisits.noUpcoming));
      recent.replaceChildren(past.length ? visitList(past, names) : el('p', {}, t.doctorVisits.noRecent));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }

  function visitList(appointments: AppointmentView[], names: Map<string, string>) {
    return el('ul', {}, ...appointments.map((a) => {
      const name = names.get(a.patientId) ?? '';
      const room = a.joinUrl && ROOM_OPEN.has(a.status) ? el('a', { href: visitPath(a.joinUrl) }, t.doctorVisits.openRoom) : null;
      let workspace: HTMLButtonElement | null = null;
      if (a.visitType === 'video-follow-up' && WORKABLE.has(a.status)) {
        workspace = el('button', { type: 'button', class: 'secondary' }, t.doctorVisits.openWorkspace);
        workspace.addEventListener('click', () => openVisit(a, name));
      }
      return el('li', { 'data-appointment': a.id },
        timeOf(a.start), ' — ', el('span', { class: 'patient' }, name), `, ${visitTypeWords(a.visitType)}, `,
        el('span', { class: 'status', 'data-status': a.status }, appointmentStatusWords(a.status)),
        room || workspace ? el('div', { class: 'controls' }, room, workspace) : null);
    }));
  }

  refresh.addEventListener('click', () => whileBusy([refresh], load));
  void load();
  return section;
}
