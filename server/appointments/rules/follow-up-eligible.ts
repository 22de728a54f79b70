import type { Transaction } from 'sequelize';
import type { Database } from '../../../db/connection.js';
import type { VisitType } from '../../../db/models/scheduling.js';
import { followUpEligibility, type EligibilityPolicy } from '../../consultations/eligibility.js';
import { Unprocessable } from '../../http/errors.js';

/**
 * Rule (DESIGN.md (R)): a video follow-up needs a prior in-person diagnosis of a chronic condition.
 * Returns the Condition the visit follows up (stored as the appointment's reason), null for in-person visits.
 * A refusal carries `missing`, each kind of evidence looked for and not found, so a client can say what to do.
 */
export async function followUpReason(
  db: Database, patientId: string, visitType: VisitType, policy: EligibilityPolicy, conditionCode?: string, transaction?: Transaction,
): Promise<string | null> {
  if (visitType !== 'video-follow-up') return null;
  const eligibility = await followUpEligibility(db, patientId, { ...policy, conditionCode, transaction });
  if (!eligibility.eligible) {
    throw new Unprocessable('follow-up-not-eligible', eligibility.reason, [], { bookInstead: 'in-person', missing: eligibility.missing });
  }
  return eligibility.evidence.conditionId;
}
