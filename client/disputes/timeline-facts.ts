/**
 * A fact of a disputed visit's evidence timeline in the page's words (issue 14): the server says what happened as
 * codes and values (server/consultations/timeline-contract.ts), the catalogue's `t.timeline` says it.
 */
import type { TimelineFact } from '../../server/consultations/timeline-contract.js';
import { clockWords, momentWords, numberWords } from '../i18n/format.js';
import { t, wordOf } from '../i18n/index.js';

const words = t.timeline;
const role = (code: string | null) => (code ? wordOf(t.roles, code) : words.system);
const drugs = (lines: Array<{ drug: string; quantity: number }>) =>
  lines.map((l) => words.drug(l.drug, numberWords(l.quantity))).join(words.drugSeparator);

function prescriptionWords(fact: Extract<TimelineFact, { what: 'prescription' }>): string {
  const happened = fact.status === 'in-progress' && fact.pharmacy ? words.heldBy(fact.pharmacy)
    : fact.status === 'rejected' && fact.rejectionReason ? words.rejectedBecause(wordOf(words.happened, fact.status), wordOf(t.pages.rejectionReason, fact.rejectionReason))
      : wordOf(words.happened, fact.status);
  return words.prescription(fact.number, drugs(fact.lines), happened);
}

export function factWords(fact: TimelineFact): string {
  switch (fact.what) {
    case 'appointment-booked': return words.appointmentBooked(momentWords(fact.start), clockWords(fact.end), wordOf(t.visitType, fact.visitType));
    case 'appointment-status': return words.appointmentBecame(wordOf(t.appointmentStatus, fact.status));
    case 'visit-status': return words.visitBecame(wordOf(words.visitStatus, fact.status));
    case 'message': return words.message(role(fact.senderRole), fact.text ?? '');
    case 'attachment': return words.attachment(role(fact.senderRole), fact.fileName, numberWords(fact.size));
    case 'note': {
      const note = wordOf(words.note, fact.status);
      return fact.amendmentReason ? words.amendedBecause(note, fact.amendmentReason) : note;
    }
    case 'outcome': return words.outcome(wordOf(words.outcomeKind, fact.outcome), fact.reason);
    case 'audit': {
      const said = words.audit(role(fact.actorRole), wordOf(words.action, fact.action), fact.resourceType ? wordOf(words.record, fact.resourceType) : '');
      return fact.refused ? words.auditRefused(said) : said;
    }
    case 'video-event': return words.videoEvent[fact.event](wordOf(words.side, fact.side));
    case 'video-connected': return words.connected(numberWords(Math.floor(fact.seconds / 60)), numberWords(fact.seconds % 60));
    case 'prescription': return prescriptionWords(fact);
    case 'medication-dispensed': return words.dispensed(numberWords(fact.quantity), fact.drug, fact.pharmacy);
  }
}
