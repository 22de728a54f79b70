import type { Database } from '../../db/connection.js';
import type { Encounter } from '../../db/models/clinical.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { Forbidden, NotFound } from '../http/errors.js';

export type VisitSide = 'patient' | 'doctor';

/** Which side of the visit the caller is on: its patient or its doctor, nobody else. */
export function sideOf(caller: Caller, visit: Encounter): VisitSide | undefined {
  if (caller.role === 'patient' && caller.patientId === visit.patientId) return 'patient';
  if (caller.role === 'doctor' && caller.practitionerId !== null && caller.practitionerId === visit.practitionerId) return 'doctor';
  return undefined;
}

/**
 * The visit, when the caller is one of its two participants (or on the `only` side); anyone else gets 403,
 * audited: a visit's messages and note are between its patient and its doctor.
 */
export async function visitOfParticipant(db: Database, caller: Caller, encounterId: string, only?: VisitSide) {
  const visit = await db.models.Encounter.findByPk(encounterId);
  if (!visit) throw new NotFound('visit-not-found', `No visit with id ${encounterId}.`);
  const side = sideOf(caller, visit);
  if (!side || (only && side !== only)) {
    await recordAudit(db, caller, {
      action: 'R', activity: 'refused', outcome: '4', resourceType: 'Encounter', resourceId: encounterId, patientId: visit.patientId,
      detail: only ? `only the visit's ${only} may do this` : 'not a participant of this visit',
    });
    throw new Forbidden(only && side ? 'wrong-visit-side' : 'not-visit-participant',
      only && side ? `Only the visit's ${only} may do this.` : 'Only the patient and the doctor of this visit may see or change it.');
  }
  return { visit, side };
}
