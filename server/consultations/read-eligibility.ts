import type { Database } from '../../db/connection.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { assertPatientAccess } from '../auth/patient-access.js';
import type { Config } from '../config.js';
import { eligibilityPolicy, followUpEligibility } from './eligibility.js';

/** The patient's (or their doctor's) question "may this be followed up online?", answered with the evidence. */
export async function readEligibility(db: Database, config: Config, caller: Caller, patientId: string, conditionCode?: string) {
  await assertPatientAccess(db, caller, patientId, 'Condition', 'read');
  const answer = await followUpEligibility(db, patientId, { ...eligibilityPolicy(config), conditionCode });
  await recordAudit(db, caller, { action: 'R', activity: 'eligibility-checked', resourceType: 'Condition', patientId });
  return answer;
}
