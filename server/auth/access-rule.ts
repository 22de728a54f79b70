import { literal, Op, type WhereOptions } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Caller } from './caller.js';
import { claimEvidenceSql, isClaimEvidence, isInCare, patientsInCare, readsOnlyAsClaimEvidence, type PatientsInCare } from './care-relationship.js';
import type { AccessMode } from './scopes.js';

/**
 * The one access rule on the records of one type (DESIGN.md "Identity and access"; docs/fhir.md "One access rule"):
 * which records of `type` the caller may `mode`, decided once, as data, then read two ways: `allows` checks one
 * record (its patients, its id) and `whereSql` / `whereOptions` filter a search. /api (auth/patient-access.ts),
 * the FHIR domain types (fhir/access.ts) and the repository (fhir/repository/access-rule.ts) all build it here, so
 * a row check and a search can never disagree. The role and scope checks (patient-access.ts roleRefusal,
 * scopeRefusal) come first and need no record.
 *
 * - A type outside the Patient compartment is shared: every record (`open`).
 * - A record in it belongs to the patients it names: a reader needs one of them in their care, a writer every one
 *   of them (care-relationship.ts patientsInCare). A patient the same transaction Bundle creates counts as in care.
 * - A record that names no patient is `unattached`: allowed only to the roles the caller of the rule names.
 * - An insurer reads a clinical record only as the evidence of an open claim made to it (claimEvidenceSql).
 * Every patient is in care (`all`) only for an admin, whom every caller of the rule lets reach unattached records
 * too: the filters need no case for "every patient but no unattached record".
 */
export interface AccessRulePlan {
  type: string;
  mode: AccessMode;
  open: boolean;
  care: PatientsInCare;
  unattached: boolean;
  /** A subquery of one column `id`: the only records allowed, whatever their patients. */
  evidence?: string;
}

export interface AccessDecision {
  allowed: boolean;
  /** The patient the refusal is about (for its audit event), and why. */
  patientId: string | null;
  why: string;
}

export interface AccessRuleOptions {
  /** The type is in the Patient compartment (the repository: CompartmentDefinition; a domain type: it has a patient column). */
  compartment: boolean;
  /** A record that names no patient is allowed (e.g. the care team's records, or the admin's). */
  unattached: boolean;
  /** `Patient/<id>` a transaction Bundle creates: its writer's own new patients. */
  pending?: ReadonlySet<string>;
}

export class AccessRule {
  readonly plan: AccessRulePlan;

  constructor(private readonly db: Database, private readonly caller: Caller, type: string, mode: AccessMode, private readonly options: AccessRuleOptions) {
    const asEvidence = options.compartment && readsOnlyAsClaimEvidence(caller.role, type, mode);
    this.plan = {
      type, mode, open: !options.compartment, care: patientsInCare(db, caller), unattached: options.unattached,
      ...(asEvidence ? { evidence: claimEvidenceSql(db, caller, type) } : {}),
    };
  }

  /** The row check: may the caller `mode` a record that names these patients (and has this id, when stored)? */
  async allows(record: { patients: readonly string[]; id?: string }): Promise<AccessDecision> {
    const { plan } = this;
    if (plan.open) return { allowed: true, patientId: null, why: '' };
    if (record.patients.length === 0) {
      return { allowed: plan.unattached, patientId: null, why: 'a record about no patient is the care team\'s' };
    }
    const inCare = await Promise.all(record.patients.map((patientId) => this.options.pending?.has(`Patient/${patientId}`)
      || isInCare(this.db, plan.care, patientId)));
    const cared = plan.mode === 'read' ? inCare.some(Boolean) : inCare.every(Boolean);
    const refusedPatient = record.patients[inCare.indexOf(false)] ?? record.patients[0];
    if (!cared) return { allowed: false, patientId: refusedPatient, why: 'no care relationship with this patient' };
    if (plan.evidence !== undefined && !(record.id !== undefined && await isClaimEvidence(this.db, this.caller, plan.type, record.id))) {
      return { allowed: false, patientId: record.patients[0], why: 'not the evidence of an open claim to this payer' };
    }
    return { allowed: true, patientId: record.patients[0], why: '' };
  }

  /**
   * The search filter of the same plan, in SQL, for the repository's rows: `row` names the SQL of the row's id and
   * of the condition "the row's patients include P" (given the condition on P's column). Undefined: no filter.
   */
  whereSql(row: { id: string; hasPatientWhere: (patientCondition: (column: string) => string) => string; hasNoPatient: string }): string | undefined {
    const { plan } = this;
    if (plan.open) return undefined;
    const inCare = careSql(this.db, plan.care);
    const ofAPatientInCare = inCare === undefined ? undefined : row.hasPatientWhere(inCare);
    const patients = ofAPatientInCare === undefined || !plan.unattached ? ofAPatientInCare : `(${ofAPatientInCare} OR ${row.hasNoPatient})`;
    const evidence = plan.evidence === undefined ? undefined : `${row.id} IN (${plan.evidence})`;
    const all = [patients, evidence].filter((c): c is string => c !== undefined);
    return all.length === 0 ? undefined : all.join(' AND ');
  }

  /** The same filter for a domain table in the compartment whose `column` holds the row's one patient (Sequelize, `id` its key). */
  whereOptions(column: string): WhereOptions | undefined {
    const { plan } = this;
    const care = plan.care;
    const inCare: WhereOptions | undefined = care.kind === 'all' ? undefined
      : care.kind === 'none' ? { [column]: { [Op.in]: [] } }
      : care.kind === 'one' ? { [column]: care.patientId }
      : { [column]: { [Op.in]: literal(`(${care.sql})`) } };
    const patients: WhereOptions | undefined = inCare && plan.unattached ? { [Op.or]: [inCare, { [column]: null }] } : inCare;
    const evidence: WhereOptions | undefined = plan.evidence === undefined ? undefined : { id: { [Op.in]: literal(`(${plan.evidence})`) } };
    if (!evidence) return patients;
    return patients ? { [Op.and]: [patients, evidence] } : evidence;
  }
}

/** "P is in the caller's care" as SQL on P's column, or undefined when every patient is. */
function careSql(db: Database, care: PatientsInCare): ((column: string) => string) | undefined {
  switch (care.kind) {
    case 'all': return undefined;
    case 'none': return () => '1 = 0';
    case 'one': return (column) => `${column} = ${db.sequelize.escape(care.patientId)}`;
    case 'subquery': return (column) => `${column} IN (${care.sql})`;
  }
}

export function accessRule(db: Database, caller: Caller, type: string, mode: AccessMode, options: AccessRuleOptions): AccessRule {
  return new AccessRule(db, caller, type, mode, options);
}
