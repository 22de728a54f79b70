/**
 * The evidence timeline of a disputed visit as the admin reads it (`GET /api/disputes/{id}/timeline`, read only):
 * the video session's connected time first and prominent, then every entry in time order with its source, the
 * sources chosen with checkboxes, and the audit trail (who read or changed each record) folded away until opened.
 */
import { el, timeOf } from '../dom.js';

/** One entry as server/consultations/dispute-timeline.ts gives it. */
export interface TimelineEntry {
  at: string;
  source: string;
  kind: string;
  summary: string;
  data?: Record<string, unknown>;
}

/** The registered sources (dispute-timeline.ts, video/session-log.ts, prescriptions/read-prescriptions.ts) in words. */
const SOURCE_WORDS: Record<string, string> = {
  appointment: 'Appointment',
  visit: 'Visit',
  'video-session': 'Video session',
  messages: 'Messages',
  note: 'Note',
  prescriptions: 'Prescriptions',
  outcome: 'Outcome',
  audit: 'Audit trail',
};

const sourceWords = (source: string) => SOURCE_WORDS[source] ?? source.replaceAll('-', ' ');

const CONNECTED_TIME = 'video-connected-time';

/** The figure billing's time bands use, or words that say there was no video connection on record. */
function connectedTime(entries: TimelineEntry[]): HTMLElement {
  const connected = entries.find((e) => e.kind === CONNECTED_TIME);
  return el('p', { class: 'connected-time', 'data-kind': CONNECTED_TIME },
    el('strong', {}, 'Video connected time: '),
    connected ? connected.summary : 'no video session was logged for this visit.');
}

/** The note's sections as they stood in that version, for an entry of the note. */
function noteSections(entry: TimelineEntry): HTMLElement | null {
  if (entry.source !== 'note' || !entry.data) return null;
  const sections = (['subjective', 'assessment', 'plan'] as const).filter((key) => typeof entry.data?.[key] === 'string' && entry.data[key]);
  if (!sections.length) return null;
  return el('details', {}, el('summary', {}, 'The note as it was'),
    el('dl', {}, ...sections.flatMap((key) => [el('dt', {}, `${key[0]!.toUpperCase()}${key.slice(1)}`), el('dd', {}, String(entry.data![key]))])));
}

function entryRow(entry: TimelineEntry): HTMLTableRowElement {
  const what = entry.kind === CONNECTED_TIME ? el('strong', {}, entry.summary) : entry.summary;
  return el('tr', { 'data-source': entry.source, 'data-kind': entry.kind },
    el('td', {}, timeOf(entry.at)), el('td', {}, sourceWords(entry.source)), el('td', {}, what, noteSections(entry)));
}

const entryTable = (caption: string, entries: TimelineEntry[]) => el('table', {},
  el('caption', {}, caption),
  el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Time'), el('th', { scope: 'col' }, 'Source'), el('th', { scope: 'col' }, 'What happened'))),
  el('tbody', {}, ...entries.map(entryRow)));

export function evidenceTimeline(timeline: TimelineEntry[]): HTMLElement {
  const evidence = timeline.filter((e) => e.source !== 'audit');
  const audit = timeline.filter((e) => e.source === 'audit');
  const table = entryTable('Evidence in time order', evidence);
  const sources = [...new Set(evidence.map((e) => e.source))];
  const choices = sources.map((source) => {
    const box = el('input', { type: 'checkbox', name: 'source', value: source, checked: true });
    box.addEventListener('change', () => {
      for (const row of table.querySelectorAll<HTMLElement>(`tr[data-source="${CSS.escape(source)}"]`)) row.hidden = !box.checked;
    });
    const count = evidence.filter((e) => e.source === source).length;
    return el('label', { class: 'choice' }, box, ` ${sourceWords(source)} (${count})`);
  });
  return el('div', { class: 'evidence-timeline' },
    connectedTime(timeline),
    evidence.length ? el('fieldset', {}, el('legend', {}, 'Show evidence from'), ...choices) : null,
    evidence.length ? table : el('p', {}, 'No evidence was recorded for this visit.'),
    el('details', { class: 'audit-trail' },
      el('summary', {}, `Audit trail: who read or changed these records (${audit.length} entries)`),
      audit.length ? entryTable('Audit trail in time order', audit) : el('p', {}, 'No audit events.')));
}
