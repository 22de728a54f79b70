import { fails, qualifies, type VisitRule } from './rule-result.js';

/** The codes billed by the time of a live contact: E/M visits and virtual check-ins. */
const LIVE_CATEGORIES = new Set(['em-new', 'em-established', 'virtual-check-in']);

/**
 * E/M visits and virtual check-ins by telehealth need a real-time contact, video or audio only (CMS telehealth list,
 * modifiers 95/93). A conversation by messages (the note's contact mode `chat`) is an e-visit, billed over its
 * 7 days by the period loop (period-charges.ts), never as an E/M.
 */
export const realTimeContact: VisitRule = (facts, entry) => {
  if (!LIVE_CATEGORIES.has(entry.category) || facts.contactMode !== 'chat') {
    return qualifies('real-time-contact', `${entry.code} was given in a ${facts.contactMode === 'chat' ? 'conversation by messages' : 'real-time contact'}.`);
  }
  return fails('real-time-contact', 'not-real-time',
    `${entry.code} needs a real-time video or audio contact; this visit was a conversation by messages, billed as an e-visit over 7 days.`);
};
