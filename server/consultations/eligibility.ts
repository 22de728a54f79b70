import { Op, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { EncounterClass } from '../../db/models/clinical.js';
import type { Config } from '../config.js';
import { chronicConditionOf, DEFAULT_CHRONIC_CONDITIONS, type ChronicCondition } from './chronic-conditions.js';

export const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
/** The ActCode class of a video visit: the one encounter class that is not in person. */
const VIRTUAL: EncounterClass = 'VR';

/**
 * What made the patient eligible: (a) a diagnosis at an in-person encounter in this node's records,
 * (b) the same imported from a partner hospital (`source` is the partner's FHIR base URL), or
 * (c) a diagnosis document the patient uploaded and a doctor accepted.
 */
export type EligibilityEvidence =
  | { kind: 'local-record' | 'partner-record'; conditionId: string; encounterId: string; code: string; display: string;
    diagnosedAt: string; source?: string }
  | { kind: 'accepted-document'; conditionId: string; documentId: string; code: string; display: string;
    diagnosedAt: string; acceptedBy: string | null };

export type Eligibility =
  | { eligible: true; condition: ChronicCondition; evidence: EligibilityEvidence }
  | { eligible: false; reason: string; missing: string[] };

export interface EligibilityOptions {
  /** Only this ICD-10 code's chronic condition counts; any chronic condition when absent. */
  conditionCode?: string;
  lookBackDays?: number;
  chronicConditions?: ChronicCondition[];
  now?: Date;
  /** The caller's open transaction, when eligibility is checked inside one (a FHIR booking). */
  transaction?: Transaction;
}

/** The node's configured policy, to spread into the options: `followUpEligibility(db, id, {...eligibilityPolicy(config)})`. */
export type EligibilityPolicy = Pick<EligibilityOptions, 'lookBackDays' | 'chronicConditions'>;

export function eligibilityPolicy(config: Pick<Config, 'followUp'>): EligibilityPolicy {
  return { lookBackDays: config.followUp.lookBackDays, chronicConditions: config.followUp.chronicConditions };
}

interface Search {
  db: Database;
  patientId: string;
  since: Date;
  wanted?: ChronicCondition;
  list: ChronicCondition[];
  transaction?: Transaction;
}

const matches = (search: Search, code: string) => {
  const chronic = chronicConditionOf(code, search.list);
  return chronic && (!search.wanted || chronic === search.wanted) ? chronic : undefined;
};

/**
 * (a) and (b): a confirmed diagnosis tied to a finished in-person encounter: an outpatient visit (AMB), an emergency
 * (EMER), a stay on a ward (IMP, ACUTE, NONAC, OBSENC) or any other class of ActCode but a virtual one (VR): a
 * patient sent home after a hypertensive crisis is followed up online as one diagnosed in the clinic is.
 */
async function fromEncounterRecords(search: Search): Promise<Eligibility | undefined> {
  const { db, patientId, since, transaction } = search;
  const conditions = await db.models.Condition.findAll({
    where: { patientId, codeSystem: ICD10, verificationStatus: 'confirmed', encounterId: { [Op.ne]: null } },
    order: [['recordedAt', 'DESC']],
    transaction,
  });
  for (const condition of conditions) {
    const chronic = matches(search, condition.code);
    if (!chronic) continue;
    const encounter = await db.models.Encounter.findOne({
      where: { id: condition.encounterId!, patientId, encounterClass: { [Op.ne]: VIRTUAL }, status: 'finished' },
      transaction,
    });
    const diagnosedAt = encounter?.periodStart ?? condition.recordedAt;
    if (!encounter || diagnosedAt < since) continue;
    const source = condition.source ?? encounter.source;
    return {
      eligible: true,
      condition: chronic,
      evidence: {
        kind: source ? 'partner-record' : 'local-record', conditionId: condition.id, encounterId: encounter.id,
        code: condition.code, display: condition.display, diagnosedAt: diagnosedAt.toISOString(), ...(source ? { source } : {}),
      },
    };
  }
  return undefined;
}

/** (c): an uploaded diagnosis document that a doctor accepted, which recorded a confirmed Condition. */
async function fromAcceptedDocuments(search: Search): Promise<Eligibility | undefined> {
  const { db, patientId, since, transaction } = search;
  const documents = await db.models.DiagnosisDocument.findAll({
    where: { patientId, reviewStatus: 'accepted', conditionId: { [Op.ne]: null } },
    order: [['diagnosedOn', 'DESC']],
    transaction,
  });
  for (const document of documents) {
    const diagnosedAt = new Date(`${document.diagnosedOn}T00:00:00Z`);
    if (diagnosedAt < since) continue;
    const condition = await db.models.Condition.findOne({
      where: { id: document.conditionId!, patientId, verificationStatus: 'confirmed' },
      transaction,
    });
    const chronic = condition && matches(search, condition.code);
    if (!condition || !chronic) continue;
    return {
      eligible: true,
      condition: chronic,
      evidence: {
        kind: 'accepted-document', conditionId: condition.id, documentId: document.id, code: condition.code,
        display: condition.display, diagnosedAt: diagnosedAt.toISOString(), acceptedBy: document.reviewerId,
      },
    };
  }
  return undefined;
}

/** Names each of the three kinds of evidence that was looked for and not found. */
async function whatIsMissing(search: Search, what: string, months: number): Promise<string[]> {
  const { db, patientId, transaction } = search;
  const consents = await db.models.Consent.count({ where: { patientId, status: 'active' }, transaction });
  const pending = await db.models.DiagnosisDocument.count({ where: { patientId, reviewStatus: 'pending' }, transaction });
  return [
    `local-record: no confirmed diagnosis of ${what} at an in-person visit in this hospital's records in the last ${months} months`,
    consents === 0
      ? 'partner-record: no consent to fetch records from a partner hospital, so none were looked at'
      : `partner-record: no diagnosis of ${what} at an in-person visit in the records imported from ${consents} consented partner hospital(s)`,
    pending > 0
      ? `accepted-document: ${pending} uploaded diagnosis document(s) still wait for a doctor's review`
      : `accepted-document: no uploaded diagnosis document of ${what} accepted by a doctor`,
  ];
}

/**
 * DESIGN.md (R): online care is only for follow-up. A patient is eligible when a confirmed diagnosis of a
 * chronic condition was made in person within the look-back period, found in this node's records, in records
 * imported from a partner, or in an uploaded document a doctor accepted.
 * The answer names the evidence it used, or says exactly what is missing.
 */
export async function followUpEligibility(db: Database, patientId: string, options: EligibilityOptions = {}): Promise<Eligibility> {
  const { lookBackDays = 730, chronicConditions = DEFAULT_CHRONIC_CONDITIONS, now = new Date() } = options;
  const since = new Date(now.getTime() - lookBackDays * 86_400_000);
  const wanted = options.conditionCode ? chronicConditionOf(options.conditionCode, chronicConditions) : undefined;
  if (options.conditionCode && !wanted) {
    return {
      eligible: false, missing: [`condition: ${options.conditionCode} is not on the list of chronic conditions followed up online`],
      reason: `${options.conditionCode} is not a chronic condition followed up online. Book an in-person visit.`,
    };
  }
  const search: Search = { db, patientId, since, wanted, list: chronicConditions, transaction: options.transaction };
  const found = (await fromEncounterRecords(search)) ?? (await fromAcceptedDocuments(search));
  if (found) return found;
  const what = wanted ? wanted.display.toLowerCase() : 'a chronic condition';
  const months = Math.round(lookBackDays / 365 * 12);
  return {
    eligible: false,
    missing: await whatIsMissing(search, what, months),
    reason: `No in-person diagnosis of ${what} in the last ${months} months was found. `
      + 'Online visits are for follow-up only: book an in-person first visit.',
  };
}
