import type { Database } from '../../db/connection.js';
import { recordAudit } from '../audit/audit-log.js';
import { Forbidden, NotFound, type DomainError } from '../http/errors.js';
import type { Caller } from './caller.js';
import { accessRule } from './access-rule.js';
import { roleReachesType } from './care-relationship.js';
import { scopeAllows, type AccessMode } from './scopes.js';

/** What a patient the caller may not see answers: exactly what a patient who does not exist answers. */
export const patientNotFound = (patientId: string) => new NotFound('patient-not-found', `No patient with id ${patientId}.`);

const auditAction = (mode: AccessMode) => (mode === 'read' ? 'R' : 'U');

/**
 * The refusals that reveal nothing about a record (403): the role never reaches this type, or the token's scope
 * does not allow it. Checked before a record is looked up, so existence is never revealed. Audited.
 */
export async function assertTypeAllowed(db: Database, caller: Caller, resourceType: string, mode: AccessMode, patientId: string | null = null) {
  const refusal = typeRefusal(caller, resourceType, mode);
  if (!refusal) return;
  await recordAudit(db, caller, {
    action: auditAction(mode), activity: 'refused', outcome: '4', resourceType, patientId, detail: refusal.why,
  });
  throw refusal.error;
}

export interface Refusal { error: DomainError; why: string }

/** The role and scope rules of a patient's records, for /api and /fhir alike: the reason to refuse, or undefined. */
export function typeRefusal(caller: Caller, resourceType: string, mode: AccessMode): Refusal | undefined {
  return roleRefusal(caller, resourceType, mode) ?? scopeRefusal(caller, resourceType, mode);
}

/** Minimum necessary (auth/care-relationship.ts ROLE_TYPES): a role that never reaches the type. */
export function roleRefusal(caller: Caller, resourceType: string, mode: AccessMode): Refusal | undefined {
  if (roleReachesType(caller.role, resourceType, mode)) return undefined;
  return {
    error: new Forbidden('wrong-role', `${caller.role} accounts do not have access to ${resourceType} records.`),
    why: `role ${caller.role} may not ${mode} ${resourceType}`,
  };
}

export function scopeRefusal(caller: Caller, resourceType: string, mode: AccessMode): Refusal | undefined {
  if (!scopeAllows(caller.scopes, resourceType, mode)) {
    return {
      error: new Forbidden('insufficient-scope', `The access token's scope does not allow ${mode} access to ${resourceType}.`),
      why: `token scope does not allow ${resourceType}.${mode}`,
    };
  }
  return undefined;
}

/**
 * Throws unless the caller may `mode` records of type `resourceType` of this patient: 403 when the role or scope
 * never allows the type; otherwise, for a patient outside the caller's care, `hidden` (by default the 404 of a
 * patient that does not exist), so the answer does not reveal that the patient exists. Refusals are audited.
 */
export async function assertPatientAccess(
  db: Database, caller: Caller, patientId: string, resourceType: string, mode: AccessMode, hidden: DomainError = patientNotFound(patientId),
): Promise<void> {
  await assertTypeAllowed(db, caller, resourceType, mode, patientId);
  // The one access rule (access-rule.ts), on a record of this patient: the same rule /fhir searches with.
  const decision = await accessRule(db, caller, resourceType, mode, { compartment: true, unattached: false }).allows({ patients: [patientId] });
  if (!decision.allowed) {
    await recordAudit(db, caller, {
      action: auditAction(mode), activity: 'refused', outcome: '4', resourceType, patientId, detail: 'no care relationship with this patient',
    });
    throw hidden;
  }
}
