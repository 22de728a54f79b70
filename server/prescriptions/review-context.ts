import type { AllergyIntolerance, CodeableConcept } from '@medplum/fhirtypes';
import type { Database } from '../../db/connection.js';
import type { Gender } from '../../db/models/people.js';
import type { Prescription } from '../../db/models/prescription.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { chronicConditionOf } from '../consultations/chronic-conditions.js';
import { followUpEligibility, type EligibilityPolicy } from '../consultations/eligibility.js';
import { compartmentResources } from '../fhir/repository/compartment.js';
import { currentMedicines, type CurrentMedicine } from './current-medicines.js';
import { duplicateClasses, type DuplicateClass } from './drug-class.js';
import { summariesOf } from './read-prescriptions.js';

/**
 * What the pharmacist needs beside the lines to review a prescription (issue 14: "the pharmacist reviews blind"):
 * who the patient is, the diagnosis it treats, what they take already, their allergies, and each line that
 * duplicates a drug class (drug-class.ts: the server's one rule, never the page's).
 */
export interface ReviewContext {
  patient: { name: string; birthDate: string | null; age: number | null; gender: Gender };
  diagnosis: { code: string; display: string; diagnosedAt: string | null; where: 'here' | 'partner' | 'document'; source: string | null } | null;
  currentMedicines: CurrentMedicine[];
  /** Empty when none is recorded: the page says so. */
  allergies: { substance: string; criticality: string | null; reactions: string[] }[];
  duplicateClasses: DuplicateClass<CurrentMedicine>[];
}

/** Full years between a birth date (YYYY-MM-DD) and `now`. */
export function ageOn(birthDate: string | null, now: Date): number | null {
  const match = birthDate ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate) : null;
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const birthdayPassed = now.getUTCMonth() + 1 > month || (now.getUTCMonth() + 1 === month && now.getUTCDate() >= day);
  return now.getUTCFullYear() - year - (birthdayPassed ? 0 : 1);
}

const wordsOf = (concept: CodeableConcept | undefined) => concept?.text ?? concept?.coding?.find((c) => c.display)?.display ?? concept?.coding?.[0]?.code;

/** Allergies that hold: not resolved or inactive, not refuted or entered in error. */
async function allergiesOf(db: Database, patientId: string): Promise<ReviewContext['allergies']> {
  const stored = await compartmentResources<AllergyIntolerance>(db, patientId, ['AllergyIntolerance']);
  return stored.filter((a) => !['inactive', 'resolved'].includes(a.clinicalStatus?.coding?.[0]?.code ?? '')
    && !['refuted', 'entered-in-error'].includes(a.verificationStatus?.coding?.[0]?.code ?? ''))
    .map((a) => ({
      substance: wordsOf(a.code) ?? wordsOf(a.reaction?.[0]?.substance) ?? '?',
      criticality: a.criticality ?? null,
      reactions: (a.reaction ?? []).flatMap((r) => r.manifestation.map(wordsOf)).filter((w): w is string => Boolean(w)),
    }));
}

/**
 * The diagnosis the prescription is for: its chronic condition when the doctor named one, else the chronic
 * condition that made the patient eligible for the follow-up visit (the same check prescribing ran).
 */
async function diagnosisOf(db: Database, row: Prescription, policy: EligibilityPolicy, now: Date): Promise<ReviewContext['diagnosis']> {
  const code = row.chronicConditionCode ?? undefined;
  const eligibility = await followUpEligibility(db, row.patientId, { ...policy, conditionCode: code, now });
  if (eligibility.eligible) {
    const { evidence } = eligibility;
    return {
      code: evidence.code, display: evidence.display, diagnosedAt: evidence.diagnosedAt,
      where: evidence.kind === 'accepted-document' ? 'document' : evidence.kind === 'partner-record' ? 'partner' : 'here',
      source: evidence.kind === 'partner-record' ? evidence.source ?? null : null,
    };
  }
  return code ? { code, display: chronicConditionOf(code, policy.chronicConditions)?.display ?? code, diagnosedAt: null, where: 'here', source: null } : null;
}

/**
 * What the review reads of a patient, once however many of their prescriptions wait in the queue: who they are,
 * what they take, their allergies, and the diagnosis by the condition a prescription names (each asked once).
 */
interface PatientFacts {
  gender: Gender;
  medicines: CurrentMedicine[];
  allergies: ReviewContext['allergies'];
  diagnoses: Map<string, Promise<ReviewContext['diagnosis']>>;
}

async function patientFacts(db: Database, patientId: string, now: Date): Promise<PatientFacts> {
  const [patient, medicines, allergies] = await Promise.all([
    db.models.Patient.findByPk(patientId, { attributes: ['gender'] }), currentMedicines(db, patientId, now), allergiesOf(db, patientId),
  ]);
  return { gender: patient?.gender ?? 'unknown', medicines, allergies, diagnoses: new Map() };
}

/** The review context of one prescription waiting for review, audited as a read of the patient's record. */
async function reviewContextOf(
  db: Database, caller: Caller, row: Prescription, lines: { lineNo: number; drugCode: string; drugName: string }[], policy: EligibilityPolicy,
  facts: PatientFacts, now: Date,
): Promise<ReviewContext> {
  const signed = JSON.parse(row.signedContent) as { patient: { name: string; birthDate: string | null } };
  const condition = row.chronicConditionCode ?? '';
  if (!facts.diagnoses.has(condition)) facts.diagnoses.set(condition, diagnosisOf(db, row, policy, now));
  // The prescription under review is not taken yet: it is what the others are checked against.
  const medicines = facts.medicines.filter((m) => m.origin.kind !== 'prescription' || m.origin.prescriptionId !== row.id);
  const context: ReviewContext = {
    patient: { name: signed.patient.name, birthDate: signed.patient.birthDate, age: ageOn(signed.patient.birthDate, now), gender: facts.gender },
    diagnosis: await facts.diagnoses.get(condition)!,
    currentMedicines: medicines,
    allergies: facts.allergies,
    duplicateClasses: duplicateClasses(lines, medicines),
  };
  await recordAudit(db, caller, {
    action: 'R', activity: 'prescription-review-context', resourceType: 'Task', resourceId: row.id, patientId: row.patientId,
    detail: `${medicines.length} current medicines, ${context.allergies.length} allergies, ${context.duplicateClasses.length} duplicate classes`,
  });
  return context;
}

/** The review queue as the pharmacist sees it: each prescription's summary with its review context, each patient read once. */
export async function reviewQueueItems(db: Database, caller: Caller, rows: Prescription[], policy: EligibilityPolicy, now = new Date()) {
  const summaries = await summariesOf(db, rows);
  const patients = new Map<string, PatientFacts>();
  const items = [];
  for (const [i, summary] of summaries.entries()) {
    const row = rows[i];
    if (!patients.has(row.patientId)) patients.set(row.patientId, await patientFacts(db, row.patientId, now));
    items.push({ ...summary, context: await reviewContextOf(db, caller, row, summary.lines, policy, patients.get(row.patientId)!, now) });
  }
  return items;
}
