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
 * The visit, when the caller is one of its two participants (or on the `only` side): a visit's messages and note
 * are between its patient and its doctor. Other roles get 403 `wrong-role`; a patient or doctor of other visits
 * the 404 of a visit that does not exist; the participant on the wrong side 403 `wrong-visit-side`. Audited.
 */
export async function visitOfParticipant(db: Database, caller: Caller, encounterId: string, only?: VisitSide) {
  if (caller.role !== 'patient' && caller.role !== 'doctor') {
    throw new Forbidden('wrong-role', 'A visit is seen and changed only by its patient and its doctor.');
  }
  const notFound = new NotFound('visit-not-found', `No visit with id ${encounterId}.`);
  const visit = await db.models.Encounter.findByPk(encounterId);
  if (!visit) throw notFound;
  const side = sideOf(caller, visit);
  if (!side || (only && side !== only)) {
    await recordAudit(db, caller, {
      action: 'R', activity: 'refused', outcome: '4', resourceType: 'Encounter', resourceId: encounterId, patientId: visit.patientId,
      detail: side ? `only the visit's ${only} may do this` : 'not a participant of this visit',
    });
    if (!side) throw notFound;
    throw new Forbidden('wrong-visit-side', `Only the visit's ${only} may do this.`);
  }
  return { visit, side };
}
