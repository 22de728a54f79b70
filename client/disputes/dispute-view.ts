/**
 * A dispute as `/api/disputes` answers it (docs/consultations.md "Disputes and the evidence timeline"), its
 * outcome and its visit in words, and the signal that the patient's disputes changed.
 */
import { visitTypeWords } from '../appointments/appointment-view.js';
import { announce, reloadOn } from '../dom.js';
import { t } from '../i18n/index.js';

export type DisputeOutcome = 'upheld' | 'partially-upheld' | 'rejected';

/** What the lists show of the disputed visit. */
export interface DisputedVisit {
  status: string;
  visitType: string | null;
  start: string | null;
  doctorName: string | null;
}

export interface DisputeView {
  id: string;
  encounterId: string;
  patientId: string;
  reason: string;
  status: 'open' | 'resolved';
  openedAt: string;
  resolution: { outcome: DisputeOutcome; text: string; resolvedAt: string | null } | null;
  visit?: DisputedVisit | null;
}

/** The outcomes an admin chooses from, in the words both sides read. */
export const OUTCOME_WORDS = t.pages.disputes.outcome as Record<DisputeOutcome, string>;

/** The outcomes, in the order the admin is offered them. */
export const OUTCOMES: DisputeOutcome[] = ['upheld', 'partially-upheld', 'rejected'];

/** "Video follow-up on <time> with Dr Greg House", the time drawn by `time` (the reader's zone or the patient's). */
export function visitWords(visit: DisputedVisit | null | undefined, time: (iso: string) => HTMLElement): Array<Node | string> {
  if (!visit) return [t.pages.disputes.aVisit];
  const kind = visit.visitType ? visitTypeWords(visit.visitType) : t.pages.disputes.visit;
  return t.pages.disputes.visitWords(kind, visit.start ? time(visit.start) : null, visit.doctorName);
}

const DISPUTES_CHANGED = 'disputes-changed';

/** Tells every section listing the patient's disputes to reload. */
export const announceDisputesChanged = () => announce(DISPUTES_CHANGED);

export const reloadOnDisputesChanged = (section: HTMLElement, reload: () => void) => reloadOn(DISPUTES_CHANGED, section, reload);
