import type { Database } from '../../db/connection.js';
import { recordAudit } from '../audit/audit-log.js';
import { hasExchangeConsent } from '../exchange/consents.js';
import { Forbidden } from '../http/errors.js';
import type { Caller } from './caller.js';
import { scopeAllows, type AccessMode } from './scopes.js';

/**
 * Decides whether the caller may touch a patient's clinical records (DESIGN.md, "Identity and access"):
 * a patient only their own; a doctor a patient they have a visit with; an insurer only its members;
 * an admin any (audited); a pharmacist none through this door (prescriptions are presented to them instead).
 */
export async function hasCareRelationship(db: Database, caller: Caller, patientId: string): Promise<boolean> {
  switch (caller.role) {
    case 'patient':
      return caller.patientId === patientId;
    case 'doctor': {
      if (caller.practitionerId === null) return false;
      const where = { patientId, practitionerId: caller.practitionerId };
      return (await db.models.Encounter.count({ where })) > 0 || (await db.models.Appointment.count({ where })) > 0;
    }
    case 'insurer':
      return caller.organizationId !== null && (await db.models.Coverage.count({
        where: { patientId, payorId: caller.organizationId },
      })) > 0;
    case 'admin':
      return true;
    case 'system':
      // A partner node (organizationId = its partner id) reads only the patients who consented to it.
      return caller.organizationId !== null && hasExchangeConsent(db, patientId, caller.organizationId);
    default:
      return false;
  }
}

/** Throws 403 (and audits the refusal) unless the caller may `mode` records of type `resourceType` of this patient. */
export async function assertPatientAccess(
  db: Database, caller: Caller, patientId: string, resourceType: string, mode: AccessMode,
): Promise<void> {
  if (!scopeAllows(caller.scopes, resourceType, mode)) {
    await recordAudit(db, caller, {
      action: mode === 'read' ? 'R' : 'U', activity: 'refused', outcome: '4', resourceType, patientId,
      detail: `token scope does not allow ${resourceType}.${mode}`,
    });
    throw new Forbidden('insufficient-scope', `The access token's scope does not allow ${mode} access to ${resourceType}.`);
  }
  if (!(await hasCareRelationship(db, caller, patientId))) {
    await recordAudit(db, caller, {
      action: mode === 'read' ? 'R' : 'U', activity: 'refused', outcome: '4', resourceType, patientId,
      detail: 'no care relationship with this patient',
    });
    throw new Forbidden('not-your-patient', 'You may only access the records of patients in your care.');
  }
}
