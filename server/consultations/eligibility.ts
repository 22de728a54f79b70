import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import { chronicConditionOf, DEFAULT_CHRONIC_CONDITIONS, type ChronicCondition } from './chronic-conditions.js';

export const ICD10 = 'http://hl7.org/fhir/sid/icd-10';

export interface EligibilityEvidence {
  kind: 'local-record';
  conditionId: string;
  encounterId: string;
  code: string;
  display: string;
  diagnosedAt: string;
}

export type Eligibility =
  | { eligible: true; condition: ChronicCondition; evidence: EligibilityEvidence }
  | { eligible: false; reason: string };

export interface EligibilityOptions {
  /** Only this ICD-10 code's chronic condition counts; any chronic condition when absent. */
  conditionCode?: string;
  lookBackDays?: number;
  chronicConditions?: ChronicCondition[];
  now?: Date;
}

/**
 * DESIGN.md (R): online care is only for follow-up. A patient is eligible when a confirmed diagnosis of a
 * chronic condition was made at an in-person (AMB) encounter within the look-back period.
 * The answer names the evidence it used, or says what is missing.
 */
export async function followUpEligibility(db: Database, patientId: string, options: EligibilityOptions = {}): Promise<Eligibility> {
  const { lookBackDays = 730, chronicConditions = DEFAULT_CHRONIC_CONDITIONS, now = new Date() } = options;
  const since = new Date(now.getTime() - lookBackDays * 86_400_000);
  const wanted = options.conditionCode ? chronicConditionOf(options.conditionCode, chronicConditions) : undefined;
  if (options.conditionCode && !wanted) {
    return { eligible: false, reason: `${options.conditionCode} is not a chronic condition followed up online. Book an in-person visit.` };
  }
  const conditions = await db.models.Condition.findAll({
    where: { patientId, codeSystem: ICD10, verificationStatus: 'confirmed', encounterId: { [Op.ne]: null } },
    order: [['recordedAt', 'DESC']],
  });
  for (const condition of conditions) {
    const chronic = chronicConditionOf(condition.code, chronicConditions);
    if (!chronic || (wanted && chronic !== wanted)) continue;
    const encounter = await db.models.Encounter.findOne({
      where: { id: condition.encounterId!, patientId, encounterClass: 'AMB', status: 'finished' },
    });
    const diagnosedAt = encounter?.periodStart ?? condition.recordedAt;
    if (!encounter || diagnosedAt < since) continue;
    return {
      eligible: true,
      condition: chronic,
      evidence: {
        kind: 'local-record', conditionId: condition.id, encounterId: encounter.id, code: condition.code,
        display: condition.display, diagnosedAt: diagnosedAt.toISOString(),
      },
    };
  }
  const what = wanted ? wanted.display.toLowerCase() : 'a chronic condition';
  return {
    eligible: false,
    reason: `No in-person diagnosis of ${what} in the last ${Math.round(lookBackDays / 365 * 12)} months was found. `
      + 'Online visits are for follow-up only: book an in-person first visit.',
  };
}
