/**
 * What the video page shows once the visit is over (finished or cancelled): for the patient, the doctor's note
 * and the prescriptions of this visit, each linking to its code on the home page; for the doctor, the way back
 * to the visit's workspace (note and prescribing).
 */
import { api, ApiError, messageOf } from '../api.js';
import { deepLinkTo } from '../deep-link.js';
import { alertLine, el, timeOf } from '../dom.js';
import { t, wordOf } from '../i18n/index.js';
import { lineWords, PRESCRIPTION_STATUS_WORDS, type PrescriptionSummary } from '../prescriptions/types.js';
import type { VisitSide } from '../visits/visit-messages.js';

interface Note { status: string; subjective: string; assessment: string; plan: string; signedAt: string | null }

const words = t.pages.visitEnded;

export interface EndedVisit { appointmentId: string; visitId: string; status: string; side: VisitSide }

export function visitEnded(visit: EndedVisit): HTMLElement {
  const heading = el('h2', { id: 'visit-ended-title', tabindex: -1 }, visit.status === 'cancelled' ? words.cancelled : words.ended);
  const panel = el('section', { id: 'visit-ended', 'aria-labelledby': 'visit-ended-title' }, heading);
  if (visit.side === 'doctor') {
    panel.append(el('p', {}, el('a', { href: deepLinkTo('visit', visit.appointmentId) }, t.doctorVisits.openWorkspace),
      words.workspaceWhy));
    return panel;
  }
  const note = el('div', { id: 'visit-ended-note' }, el('p', {}, words.readingNote));
  const prescriptions = el('div', { id: 'visit-ended-prescriptions' }, el('p', {}, words.readingPrescriptions));
  panel.append(
    el('nav', { 'aria-label': words.after }, el('ul', {},
      el('li', {}, el('a', { href: '#visit-ended-note-title' }, words.note)),
      el('li', {}, el('a', { href: '#visit-ended-prescriptions-title' }, words.prescriptions)))),
    el('h3', { id: 'visit-ended-note-title' }, words.note), note,
    el('h3', { id: 'visit-ended-prescriptions-title' }, words.prescriptions), prescriptions);
  void fill(note, () => noteView(visit.visitId));
  void fill(prescriptions, () => prescriptionsView(visit.visitId));
  return panel;
}

async function fill(target: HTMLElement, view: () => Promise<HTMLElement>) {
  try {
    target.replaceChildren(await view());
  } catch (error) {
    const problem = alertLine();
    problem.textContent = messageOf(error);
    target.replaceChildren(problem);
  }
}

async function noteView(visitId: string): Promise<HTMLElement> {
  let note: Note;
  try {
    note = await api<Note>(`/api/visits/${encodeURIComponent(visitId)}/note`);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'note-not-found') return el('p', {}, words.noNote);
    throw error;
  }
  const parts = (['subjective', 'assessment', 'plan'] as const).map((part) => [wordOf(words.notePart, part), note[part]] as const);
  return el('div', {},
    ...parts.filter(([, text]) => text.trim()).map(([title, text]) => el('div', { class: 'note-part' },
      el('h4', {}, title), el('p', { class: 'message-text' }, text))),
    el('p', {}, ...(note.signedAt ? words.signed(timeOf(note.signedAt)) : [words.notSigned])));
}

async function prescriptionsView(visitId: string): Promise<HTMLElement> {
  const mine = (await api<PrescriptionSummary[]>('/api/prescriptions')).filter((p) => p.encounterId === visitId);
  if (!mine.length) {
    return el('p', {}, ...words.noneYet(el('a', { href: '/' }, t.prescriptions.title)));
  }
  return el('ul', {}, ...mine.map((p) => el('li', { 'data-prescription': p.id },
    el('a', { href: deepLinkTo('prescription', p.id) }, words.prescription(p.number)), words.status(wordOf(PRESCRIPTION_STATUS_WORDS, p.status)),
    p.lines.map(lineWords).join(words.lineSeparator))));
}
