/**
 * A dispute as `/api/disputes` answers it (docs/consultations.md "Disputes and the evidence timeline"), its
 * outcome and its visit in words, and the signal that the patient's disputes changed.
 */
import { visitTypeWords } from '../appointments/appointment-view.js';
import { announce, reloadOn } from '../dom.js';

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
export const OUTCOME_WORDS: Record<DisputeOutcome, string> = {
  upheld: 'Upheld',
  'partially-upheld': 'Partially upheld',
  rejected: 'Rejected',
};

/** "Video follow-up on <time> with Dr Greg House", the time drawn by `time` (the reader's zone or the patient's). */
export function visitWords(visit: DisputedVisit | null | undefined, time: (iso: string) => HTMLElement): Array<Node | string> {
  if (!visit) return ['A visit'];
  const kind = visit.visitType ? visitTypeWords(visit.visitType) : 'visit';
  return [`${kind[0]!.toUpperCase()}${kind.slice(1)}`, ...(visit.start ? [' on ', time(visit.start)] : []),
    visit.doctorName ? ` with Dr ${visit.doctorName}` : ''];
}

const DISPUTES_CHANGED = 'disputes-changed';

/** Tells every section listing the patient's disputes to reload. */
export const announceDisputesChanged = () => announce(DISPUTES_CHANGED);

export const reloadOnDisputesChanged = (section: HTMLElement, reload: () => void) => reloadOn(DISPUTES_CHANGED, section, reload);
