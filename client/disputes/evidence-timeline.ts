/**
 * The evidence timeline of a disputed visit as the admin reads it (`GET /api/disputes/{id}/timeline`, read only):
 * the video session's connected time first and prominent, then every entry in time order with its source, the
 * sources chosen with checkboxes, and the audit trail (who read or changed each record) folded away until opened.
 */
import type { TimelineEntry } from '../../server/consultations/timeline-contract.js';
import { el, timeOf } from '../dom.js';
import { t, wordOf } from '../i18n/index.js';
import { factWords } from './timeline-facts.js';

export type { TimelineEntry } from '../../server/consultations/timeline-contract.js';

const words = t.pages.disputes;

/** The registered sources (dispute-timeline.ts, video/session-log.ts, prescriptions/read-prescriptions.ts) in words. */
const sourceWords = (source: string) => wordOf(words.source, source);

const CONNECTED_TIME = 'video-connected-time';

/** The figure billing's time bands use, or words that say there was no video connection on record. */
function connectedTime(entries: TimelineEntry[]): HTMLElement {
  const connected = entries.find((e) => e.kind === CONNECTED_TIME);
  return el('p', { class: 'connected-time', 'data-kind': CONNECTED_TIME },
    el('strong', {}, words.connectedTime),
    connected ? factWords(connected.said) : words.noVideoSession);
}

/** The note's sections as they stood in that version, for an entry of the note. */
function noteSections(entry: TimelineEntry): HTMLElement | null {
  if (entry.source !== 'note' || !entry.data) return null;
  const sections = (['subjective', 'assessment', 'plan'] as const).filter((key) => typeof entry.data?.[key] === 'string' && entry.data[key]);
  if (!sections.length) return null;
  return el('details', {}, el('summary', {}, words.noteAsItWas),
    el('dl', {}, ...sections.flatMap((key) => [el('dt', {}, wordOf(words.noteSection, key)), el('dd', {}, String(entry.data![key]))])));
}

function entryRow(entry: TimelineEntry): HTMLTableRowElement {
  const what = entry.kind === CONNECTED_TIME ? el('strong', {}, factWords(entry.said)) : factWords(entry.said);
  return el('tr', { 'data-source': entry.source, 'data-kind': entry.kind },
    el('td', {}, timeOf(entry.at)), el('td', {}, sourceWords(entry.source)), el('td', {}, what, noteSections(entry)));
}

const entryTable = (caption: string, entries: TimelineEntry[]) => el('table', {},
  el('caption', {}, caption),
  el('thead', {}, el('tr', {}, ...words.timelineColumns.map((heading) => el('th', { scope: 'col' }, heading)))),
  el('tbody', {}, ...entries.map(entryRow)));

export function evidenceTimeline(timeline: TimelineEntry[]): HTMLElement {
  const evidence = timeline.filter((e) => e.source !== 'audit');
  const audit = timeline.filter((e) => e.source === 'audit');
  const table = entryTable(words.evidenceCaption, evidence);
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
    evidence.length ? el('fieldset', {}, el('legend', {}, words.showFrom), ...choices) : null,
    evidence.length ? table : el('p', {}, words.noEvidence),
    el('details', { class: 'audit-trail' },
      el('summary', {}, words.auditSummary(audit.length)),
      audit.length ? entryTable(words.auditCaption, audit) : el('p', {}, words.noAudit)));
}
