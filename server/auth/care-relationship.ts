import { literal, Op, QueryTypes, type WhereOptions } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Role } from '../../db/models/access.js';
import type { Caller } from './caller.js';
import type { AccessMode } from './scopes.js';

/**
 * The one definition of "a patient in the caller's care" (DESIGN.md "Identity and access"). Both the row check
 * (isInCare) and the search filter (careFilter) are built from patientsInCare, so the two cannot drift:
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

/** The row check: is this patient in the caller's care? */
export async function isInCare(db: Database, caller: Caller, patientId: string): Promise<boolean> {
  const care = patientsInCare(db, caller);
  switch (care.kind) {
    case 'all': return true;
    case 'none': return false;
    case 'one': return care.patientId === patientId;
    case 'subquery': {
      const hits = await db.sequelize.query(`SELECT 1 AS hit FROM (${care.sql}) care WHERE care.patientId = :patientId LIMIT 1`,
        { replacements: { patientId }, type: QueryTypes.SELECT });
      return hits.length > 0;
    }
  }
}

/** The search filter on `column` (the row's patient) that keeps a search inside the caller's care. */
export function careFilter(db: Database, caller: Caller, column: string): WhereOptions | undefined {
  const care = patientsInCare(db, caller);
  switch (care.kind) {
    case 'all': return undefined;
    case 'none': return { [column]: { [Op.in]: [] } };
    case 'one': return { [column]: care.patientId };
    case 'subquery': return { [column]: { [Op.in]: literal(`(${care.sql})`) } };
  }
}

/** The same filter as an SQL condition on `column`, for queries written without models (the FHIR repository). */
export function careCondition(db: Database, caller: Caller, column: string): string | undefined {
  const care = patientsInCare(db, caller);
  switch (care.kind) {
    case 'all': return undefined;
    case 'none': return '1 = 0';
    case 'one': return `${column} = ${db.sequelize.escape(care.patientId)}`;
    case 'subquery': return `${column} IN (${care.sql})`;
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
const ROLE_TYPES: Record<Role, Record<AccessMode, readonly string[]>> = {
  patient: { read: ['*'], write: ['*'] },
  doctor: { read: ['*'], write: ['*'] },
  system: { read: ['*'], write: ['*'] },
  insurer: { read: INSURER_TYPES, write: INSURER_TYPES },
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
