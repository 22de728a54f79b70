import type { Database } from '../../db/connection.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { roleReachesType } from '../auth/care-relationship.js';
import { assertPatientAccess, patientNotFound } from '../auth/patient-access.js';

/** A patient's summary as the web client shows it: who they are, their conditions and their coverage. */
export async function readPatientSummary(db: Database, caller: Caller, patientId: string) {
  await assertPatientAccess(db, caller, patientId, 'Patient', 'read');
  const { Patient, Condition, Coverage } = db.models;
  const patient = await Patient.findByPk(patientId);
  if (!patient) throw patientNotFound(patientId);
  // Minimum necessary: an insurer or an admin reads demographics and coverage, not the conditions.
  const withConditions = roleReachesType(caller.role, 'Condition');
  const [conditions, coverages] = await Promise.all([
    withConditions ? Condition.findAll({ where: { patientId }, order: [['recordedAt', 'DESC']] }) : undefined,
    caller.role === 'insurer'
      ? Coverage.findAll({ where: { patientId, payorId: caller.organizationId! } })
      : Coverage.findAll({ where: { patientId } }),
  ]);
  await recordAudit(db, caller, { action: 'R', activity: 'read', resourceType: 'Patient', resourceId: patientId, patientId });
  return {
    id: patient.id,
    givenName: patient.givenName,
    familyName: patient.familyName,
    birthDate: patient.birthDate,
    gender: patient.gender,
    timeZone: patient.timeZone,
    conditions: conditions?.map((c) => ({
      id: c.id, code: c.code, system: c.codeSystem, display: c.display, clinicalStatus: c.clinicalStatus,
      onsetDate: c.onsetDate, encounterId: c.encounterId, source: c.source,
    })),
    coverages: coverages.map((c) => ({ id: c.id, payorId: c.payorId, memberId: c.memberId, status: c.status })),
  };
}
