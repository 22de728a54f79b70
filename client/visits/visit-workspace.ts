/**
 * The visit workspace: one of the doctor's visits, opened with `POST /api/appointments/{id}/visit`; its messages
 * with the patient and the patient's exam results (here and at partner hospitals); its note
 * (subjective / assessment / plan, `PUT /api/visits/{id}/note`); "Finish the visit" (which signs the note); and
 * the prescribing form while the visit is in progress or finished less than 24 hours ago (docs/consultations.md,
 * docs/prescriptions.md).
 */
import { api, ApiError, messageOf } from '../api.js';
import { ROOM_OPEN, visitPath, type AppointmentView } from '../appointments/appointment-view.js';
import { finishLevel } from '../billing/finish-level.js';
import { followDeepLinks } from '../deep-link.js';
import { alertLine, el, timeOf, whileBusy } from '../dom.js';
import { t, wordOf } from '../i18n/index.js';
import type { PatientDirectory, PatientSummary } from '../patients/patient-directory.js';
import { prescribingForm, type Drug } from '../prescriptions/prescribing.js';
import type { PrescriptionSummary } from '../prescriptions/types.js';
import { chronicCare } from './chronic-care.js';
import { examResults } from './exam-results.js';
import { visitMessages } from './visit-messages.js';

interface Visit {
  id: string; appointmentId: string; patientId: string; status: string;
  periodStart: string | null; periodEnd: string | null; outcome: { code: string; reason: string } | null;
}
interface NoteSections { subjective: string; assessment: string; plan: string }
interface Note extends NoteSections { status: 'preliminary' | 'final' | 'amended'; signedAt: string | null }

/** How long after it finished a visit stays open for prescribing (server/prescriptions/prescribe.ts). */
const PRESCRIBING_WINDOW_MS = 24 * 3600_000;

/** Why there is no prescribing form, or undefined when there is one. */
function prescribingClosed(visit: Visit, now = Date.now()): string | undefined {
  if (visit.outcome?.code === 'needs-in-person-care') return t.lastPages.inPersonOnly;
  if (visit.status === 'in-progress') return undefined;
  if (visit.status === 'finished') {
    return visit.periodEnd && now - Date.parse(visit.periodEnd) <= PRESCRIBING_WINDOW_MS ? undefined
      : t.lastPages.prescribingWindowClosed;
  }
  if (visit.status === 'cancelled') return t.lastPages.visitCancelled;
  return t.lastPages.prescribingNotYet;
}

async function readNote(visitId: string): Promise<Note | undefined> {
  try {
    return await api<Note>(`/api/visits/${encodeURIComponent(visitId)}/note`);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'note-not-found') return undefined;
    throw error;
  }
}

export interface VisitWorkspaceOptions {
  patients: PatientDirectory;
  onPrescribed(prescription: PrescriptionSummary): void;
}

export function visitWorkspace({ patients, onPrescribed }: VisitWorkspaceOptions) {
  const title = el('h2', { id: 'visit-workspace-title', tabindex: -1 }, t.lastPages.workspaceTitle);
  const problem = alertLine();
  const body = el('div', {}, el('p', {}, t.lastPages.chooseVisit));
  const section = el('section', { id: 'visit-workspace', 'aria-labelledby': 'visit-workspace-title' }, title, problem, body);
  let catalogue: Promise<Drug[]> | undefined;
  let opened = 0;

  const drugs = () => (catalogue ??= api<Drug[]>('/api/drugs').catch((error: unknown) => { catalogue = undefined; throw error; }));

  async function open(appointment: AppointmentView, patientName: string) {
    const ticket = ++opened;
    problem.textContent = '';
    body.replaceChildren(el('p', {}, t.lastPages.openingVisit));
    section.scrollIntoView();
    title.focus();
    try {
      const visit = await api<Visit>(`/api/appointments/${encodeURIComponent(appointment.id)}/visit`, { body: {} });
      const [note, patient, catalogueNow] = await Promise.all([
        readNote(visit.id), patients.summary(visit.patientId).catch(() => undefined), drugs(),
      ]);
      // A slower earlier open must not draw over the visit the doctor chose since.
      if (ticket !== opened) return;
      body.replaceChildren(workspace({ appointment, patientName, visit, note, patient, drugs: catalogueNow }));
    } catch (error) {
      if (ticket !== opened) return;
      body.replaceChildren();
      problem.textContent = messageOf(error);
    }
  }

  /** A link to the visit (`/#visit/<appointmentId>`): its appointment is read, then opened as from the list. */
  async function openAppointment(appointmentId: string) {
    try {
      const appointment = await api<AppointmentView>(`/api/appointments/${encodeURIComponent(appointmentId)}`);
      await open(appointment, await patients.name(appointment.patientId));
    } catch (error) {
      problem.textContent = messageOf(error);
    }
  }
  followDeepLinks('visit', section, (id) => void openAppointment(id));

  function workspace(opening: { appointment: AppointmentView; patientName: string; visit: Visit; note?: Note; patient?: PatientSummary; drugs: Drug[] }) {
    const { appointment, patientName, patient } = opening;
    let visit = opening.visit;
    const state = el('p', { id: 'visit-state' });
    const room = appointment.joinUrl ? el('a', { href: visitPath(appointment.joinUrl) }, t.lastPages.openVideoRoom) : null;
    const finish = el('button', { type: 'button' }, t.lastPages.finishVisit);
    const level = finishLevel(visit.id, finish);
    const note = noteForm(visit.id, opening.note, visit.status === 'finished' || visit.status === 'cancelled');
    const prescribing = el('div', { id: 'visit-prescribing' });
    const messages = visitMessages({ visitId: visit.id, side: 'doctor', otherName: patientName || t.lastPages.thePatient, status: visit.status });
    const showState = () => {
      state.dataset.status = visit.status;
      state.replaceChildren(t.lastPages.state(t.lastPages.visitState[visit.status] ?? visit.status),
        visit.periodEnd ? el('span', {}, ...t.lastPages.ended(timeOf(visit.periodEnd))) : '');
      finish.hidden = visit.status !== 'in-progress';
      if (room) room.hidden = !ROOM_OPEN.has(appointment.status) || visit.status === 'finished' || visit.status === 'cancelled';
      const closed = prescribingClosed(visit);
      // The form is built once: a state change (finishing) must not lose what the doctor is writing in it.
      if (closed) prescribing.replaceChildren(el('p', {}, closed));
      else if (!prescribing.querySelector('form')) {
        prescribing.replaceChildren(prescribingForm({ encounterId: visit.id, drugs: opening.drugs, conditions: patient?.conditions ?? [], onIssued: onPrescribed }));
      }
    };

    finish.addEventListener('click', () => whileBusy([finish], async () => {
      problem.textContent = '';
      try {
        // Finishing signs the note as stored: an edit not yet saved is saved first, never lost.
        await note.saveIfChanged();
        visit = await api<Visit>(`/api/visits/${encodeURIComponent(visit.id)}/finish`, { body: level.choice() });
        note.signed(await readNote(visit.id));
        showState();
        void messages.refresh();
      } catch (error) {
        problem.textContent = messageOf(error);
      }
    }));

    showState();
    return el('article', { 'aria-labelledby': 'visit-title', 'data-visit': visit.id },
      el('h3', { id: 'visit-title' }, ...t.lastPages.visitHeading(patientName, timeOf(appointment.start))),
      patient?.birthDate ? el('p', {}, t.lastPages.born(patient.birthDate)) : null,
      state, level.element, el('div', { class: 'controls' }, room, finish), messages.element, chronicCare(visit.patientId).element,
      examResults(visit.id).element, note.form, prescribing);
  }

  return { section, open };
}

/** The S/A/P note: editable while it is a draft of an open visit; signed (read only) once the visit finished. */
function noteForm(visitId: string, stored: Note | undefined, visitClosed: boolean) {
  // The sections are named as the dispute's evidence names them (t.pages.disputes), so the note reads the same there.
  const field = (name: keyof NoteSections) => {
    const area = el('textarea', { id: `note-${name}`, name, rows: 3, maxlength: 20_000 });
    area.value = stored?.[name] ?? '';
    return { area, parts: [el('label', { for: area.id }, wordOf(t.pages.disputes.noteSection, name)), area] };
  };
  const sections = { subjective: field('subjective'), assessment: field('assessment'), plan: field('plan') };
  const save = el('button', { type: 'submit' }, t.lastPages.saveNote);
  const saved = el('p', { role: 'status' });
  const problem = alertLine();
  const form = el('form', { id: 'visit-note', 'aria-labelledby': 'visit-note-title' },
    el('h3', { id: 'visit-note-title' }, t.lastPages.noteTitle),
    ...sections.subjective.parts, ...sections.assessment.parts, ...sections.plan.parts,
    el('div', { class: 'controls' }, save), saved, problem);
  const current = (): NoteSections => ({ subjective: sections.subjective.area.value, assessment: sections.assessment.area.value, plan: sections.plan.area.value });
  let last = JSON.stringify(stored ? { subjective: stored.subjective, assessment: stored.assessment, plan: stored.plan } : { subjective: '', assessment: '', plan: '' });

  async function put() {
    const text = current();
    await api(`/api/visits/${encodeURIComponent(visitId)}/note`, { method: 'PUT', body: text });
    last = JSON.stringify(text);
    saved.replaceChildren(...t.lastPages.noteSaved(timeOf(new Date().toISOString())));
  }

  /** Read only from now on: the visit closed (finishing signed the note, if there was one). */
  function signed(note: Note | undefined) {
    for (const { area } of Object.values(sections)) area.readOnly = true;
    save.hidden = true;
    saved.replaceChildren(...(note?.signedAt ? t.lastPages.noteSigned(timeOf(note.signedAt))
      : [note ? t.lastPages.noteNotSigned : t.lastPages.noNote]));
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy([save], async () => {
      problem.textContent = '';
      try {
        await put();
      } catch (error) {
        problem.textContent = messageOf(error);
      }
    });
  });
  if (visitClosed || (stored && stored.status !== 'preliminary')) signed(stored);
  return {
    form, signed,
    async saveIfChanged() {
      if (!save.hidden && JSON.stringify(current()) !== last) await put();
    },
  };
}
