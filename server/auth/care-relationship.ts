import type { Database } from '../../db/connection.js';
import type { Role } from '../../db/models/access.js';
import type { Caller } from './caller.js';
import type { AccessMode } from './scopes.js';

/**
 * The one definition of "a patient in the caller's care" (DESIGN.md "Identity and access"). The row check
 * (isInCare) and the search filters of the one access rule (access-rule.ts) are built from patientsInCare, so
 * they cannot drift:
 * - a patient: themself;
 * - a doctor: the patients they have a visit (Encounter) or an appointment with;
 * - an insurer: its members (a Coverage whose payor is the insurer);
 * - a partner node (system): the patients with an active consent to it, while its registration is active;
 * - an admin: every patient (but see ROLE_TYPES: an admin reaches no clinical type);
 * - a pharmacist: none (prescriptions are presented to them instead).
 */
export type PatientsInCare =
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'one'; patientId: string }
  /** A subquery of one column, `patientId`. */
  | { kind: 'subquery'; sql: string };

export function patientsInCare(db: Database, caller: Caller): PatientsInCare {
  const escape = (value: string) => db.sequelize.escape(value);
  switch (caller.role) {
    case 'admin':
      return { kind: 'all' };
    case 'patient':
      return caller.patientId ? { kind: 'one', patientId: caller.patientId } : { kind: 'none' };
    case 'doctor': {
      if (!caller.practitionerId) return { kind: 'none' };
      const doctor = escape(caller.practitionerId);
      return { kind: 'subquery', sql: `SELECT patientId FROM encounters WHERE practitionerId = ${doctor}`
        + ` UNION SELECT patientId FROM appointments WHERE practitionerId = ${doctor}` };
    }
    case 'insurer':
      if (!caller.organizationId) return { kind: 'none' };
      return { kind: 'subquery', sql: `SELECT patientId FROM coverages WHERE payorId = ${escape(caller.organizationId)}` };
    case 'system':
      if (!caller.organizationId) return { kind: 'none' };
      return { kind: 'subquery', sql: 'SELECT c.patientId FROM consents c JOIN partners p ON p.id = c.partnerId'
        + ` WHERE c.partnerId = ${escape(caller.organizationId)} AND c.status = 'active' AND p.active = 1` };
    default:
      return { kind: 'none' };
  }
}

/** The row check: is this patient among the patients in care (the caller's patientsInCare, computed once by its access rule)? */
export async function isInCare(db: Database, care: PatientsInCare, patientId: string): Promise<boolean> {
  switch (care.kind) {
    case 'all': return true;
    case 'none': return false;
    case 'one': return care.patientId === patientId;
    case 'subquery': {
      const hits = await db.select(`SELECT 1 AS hit FROM (${care.sql}) care WHERE care.patientId = ? LIMIT 1`, [patientId]);
      return hits.length > 0;
    }
  }
}

/**
 * Minimum necessary: the record types each role reaches through its care relationship ('*': every type).
 * An insurer reads its members' demographics, coverage and billing, never clinical content; an admin
 * administers (patients as accounts, bookings, coverage, the audit log), and reads no clinical content.
 * A dispute's evidence is the admin's one exception, read through the dispute (consultations/disputes.ts).
 */
const BILLING_TYPES = ['Claim', 'ClaimResponse', 'ChargeItem', 'ExplanationOfBenefit'];
const INSURER_TYPES = ['Patient', 'Coverage', ...BILLING_TYPES];
/**
 * The insurer's one write: its answer to a claim, and the ExplanationOfBenefit that billing/claim-responses.ts
 * writes from it on its behalf (its tokens' scopes allow ClaimResponse.write only, so it never posts an EOB itself).
 */
const INSURER_WRITES = ['ClaimResponse', 'ExplanationOfBenefit'];
const ROLE_TYPES: Record<Role, Record<AccessMode, readonly string[]>> = {
  patient: { read: ['*'], write: ['*'] },
  doctor: { read: ['*'], write: ['*'] },
  system: { read: ['*'], write: ['*'] },
  insurer: { read: INSURER_TYPES, write: INSURER_WRITES },
  // Nor does the admin write clinical content: a write answers with the stored record, and a conditional create
  // with the match it found, so writing is reading. Clinical records come from the patient's doctors.
  // The hospital's billing is the admin's: charges and claims, read and written; the payer's answers, read.
  admin: {
    read: ['Patient', 'Coverage', 'Appointment', 'AuditEvent', ...BILLING_TYPES],
    write: ['Patient', 'Coverage', 'Appointment', 'Claim', 'ChargeItem'],
  },
  pharmacist: { read: [], write: [] },
};

/** Whether the role may reach records of this type at all (`*`: every type, e.g. Patient/$everything). */
export function roleReachesType(role: Role, resourceType: string, mode: AccessMode = 'read'): boolean {
  const types = ROLE_TYPES[role][mode];
  return types.includes('*') || types.includes(resourceType);
}

/**
 * Minimum necessary for a payer (issue 13): an insurer reads a clinical record only as the evidence of a claim
 * made to it, and only while that claim is open. The evidence is what the claim's charges name in
 * `ChargeItem.supportingInformation` (docs/billing.md "What insurers see"); the claim is open while its status is
 * `active` and no ClaimResponse with outcome `complete` or `error` answers it. Everything else clinical stays
 * closed to insurers (ROLE_TYPES): /api never serves it to them, /fhir only through claimEvidenceSql.
 */
const EVIDENCE_TYPES = ['Encounter', 'Condition', 'Observation', 'DiagnosticReport', 'DocumentReference', 'MedicationRequest', 'Procedure',
  'Communication', 'Task'];

/** Whether the caller reads records of this type only as the evidence of an open claim (an insurer, a clinical type). */
export function readsOnlyAsClaimEvidence(role: Role, resourceType: string, mode: AccessMode = 'read'): boolean {
  return role === 'insurer' && mode === 'read' && EVIDENCE_TYPES.includes(resourceType);
}

/** A subquery of one column, `id`: the records of `resourceType` that open claims to the caller's organization name as evidence. */
export function claimEvidenceSql(db: Database, caller: Caller, resourceType: string): string {
  const escape = (value: string) => db.sequelize.escape(value);
  const payer = escape(caller.organizationId ?? '');
  return 'SELECT ev.targetId AS id FROM fhir_references ins'
    + ' JOIN fhir_tokens st ON st.resourceId = ins.resourceId AND st.resourceType = \'Claim\' AND st.code = \'status\' AND st.value = \'active\''
    + ' JOIN fhir_references ci ON ci.resourceId = ins.resourceId AND ci.resourceType = \'Claim\' AND ci.code = \'charge-item\''
    + ' JOIN fhir_references ev ON ev.resourceId = ci.targetId AND ev.resourceType = \'ChargeItem\' AND ev.code = \'supporting-information\''
    + ` WHERE ins.resourceType = 'Claim' AND ins.code = 'insurer' AND ins.targetType = 'Organization' AND ins.targetId = ${payer}`
    + ` AND ci.targetType = 'ChargeItem' AND ev.targetType = ${escape(resourceType)}`
    + ' AND NOT EXISTS (SELECT 1 FROM fhir_references rq JOIN fhir_tokens oc ON oc.resourceId = rq.resourceId'
    + ' AND oc.resourceType = \'ClaimResponse\' AND oc.code = \'outcome\' AND oc.value IN (\'complete\', \'error\')'
    + ' WHERE rq.resourceType = \'ClaimResponse\' AND rq.code = \'request\' AND rq.targetType = \'Claim\' AND rq.targetId = ins.resourceId)';
}

/** The row check of claimEvidenceSql. */
export async function isClaimEvidence(db: Database, caller: Caller, resourceType: string, id: string): Promise<boolean> {
  const hits = await db.select(`SELECT 1 AS hit FROM (${claimEvidenceSql(db, caller, resourceType)}) evidence WHERE evidence.id = ? LIMIT 1`, [id]);
  return hits.length > 0;
}
