import type { Database } from '../../db/connection.js';
import type { EncounterStatus } from '../../db/models/clinical.js';
import type { Encounter } from '../../db/models/clinical.js';
import { cancelAppointment, type CancelOptions } from '../appointments/cancel-appointment.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { chargeVisit, prepareCharging, type ChargeView } from '../billing/charge-visit.js';
import type { Config } from '../config.js';
import { Forbidden } from '../http/errors.js';
import { illegalMove, moveVisit, VISIT_TRANSITIONS, visitForAppointment } from './visit-lifecycle.js';
import { signNote } from './visit-note.js';
import { appointmentNotFound } from '../appointments/appointment-access.js';
import { sideOf, visitOfParticipant, type VisitSide } from './visit-participants.js';

export const visitView = (v: Encounter, outcome?: { outcome: string; reason: string } | null) => ({
  id: v.id, appointmentId: v.appointmentId, patientId: v.patientId, practitionerId: v.practitionerId, class: v.encounterClass,
  status: v.status, periodStart: v.periodStart?.toISOString() ?? null, periodEnd: v.periodEnd?.toISOString() ?? null,
  outcome: outcome ? { code: outcome.outcome, reason: outcome.reason } : null, versionId: v.versionId,
});

/** The visit of a booked appointment (created planned on first use), for its patient or its doctor. */
export async function openVisit(db: Database, caller: Caller, appointmentId: string) {
  if (caller.role !== 'patient' && caller.role !== 'doctor') throw new Forbidden('wrong-role', 'Only the patient and the doctor of an appointment open its visit.');
  const appointment = await db.models.Appointment.findByPk(appointmentId);
  const isPatient = caller.role === 'patient' && caller.patientId === appointment?.patientId;
  const isDoctor = caller.role === 'doctor' && caller.practitionerId === appointment?.practitionerId;
  if (!appointment || (!isPatient && !isDoctor)) throw appointmentNotFound(appointmentId);
  const visit = await visitForAppointment(db, appointmentId);
  await recordAudit(db, caller, { action: 'R', activity: 'visit-opened', resourceType: 'Encounter', resourceId: visit.id, patientId: visit.patientId });
  return visitView(visit);
}

export async function readVisit(db: Database, caller: Caller, encounterId: string) {
  const { visit } = await visitOfParticipant(db, caller, encounterId);
  await recordAudit(db, caller, { action: 'R', activity: 'visit-read', resourceType: 'Encounter', resourceId: visit.id, patientId: visit.patientId });
  return visitView(visit, await db.models.VisitOutcome.findByPk(encounterId));
}

/** Who may make each move: the patient enters the waiting room, the doctor runs the visit, either may cancel. */
const MOVER: Record<'arrived' | 'in-progress' | 'finished' | 'cancelled', VisitSide[]> = {
  arrived: ['patient'],
  'in-progress': ['doctor'],
  finished: ['doctor'],
  cancelled: ['patient', 'doctor'],
};

/** How a finish bills the visit (server/billing/): the node's config, and the lower E/M level the doctor chose, if any. */
export interface FinishBilling { config: Config; level?: string }

/**
 * Moves the visit through the shared lifecycle (illegal moves are 409 there); finishing signs the note and,
 * given `billing`, creates the visit's charges in the same transaction (docs/billing.md).
 */
export async function moveVisitAs(db: Database, caller: Caller, encounterId: string, to: keyof typeof MOVER, billing?: FinishBilling) {
  const { visit } = await visitOfParticipant(db, caller, encounterId);
  const side = sideOf(caller, visit)!;
  if (!MOVER[to].includes(side)) throw new Forbidden('wrong-visit-side', `Only the visit's ${MOVER[to].join(' or ')} can make it ${to}.`);
  let charges: ChargeView[] | undefined;
  if (to === 'finished' && billing) await prepareCharging();
  const moved = await db.transaction(async (tx) => {
    const after = await moveVisit(db, caller, encounterId, to as EncounterStatus, tx);
    if (to === 'finished') await signNote(db, caller, encounterId, tx);
    if (to === 'finished' && billing) charges = await chargeVisit({ db, config: billing.config }, caller, encounterId, billing.level);
    return after;
  });
  return { ...visitView(moved, await db.models.VisitOutcome.findByPk(encounterId)), ...(charges ? { charges } : {}) };
}

/**
 * Cancelling a follow-up visit is cancelling its appointment (`cancelAppointment`): the booking's rules apply (a
 * patient until the cut-off, a doctor with a reason), the slot is freed, the other side is told, and the visit is
 * cancelled in the same transaction. A visit without an appointment only moves.
 */
export async function cancelVisit(db: Database, caller: Caller, encounterId: string, reason: string | undefined, options: CancelOptions) {
  const { visit } = await visitOfParticipant(db, caller, encounterId);
  if (!visit.appointmentId) return moveVisitAs(db, caller, encounterId, 'cancelled');
  if (!VISIT_TRANSITIONS[visit.status].includes('cancelled')) throw illegalMove(visit.status, 'cancelled');
  await cancelAppointment(db, caller, visit.appointmentId, reason, options);
  return visitView(await visit.reload(), null);
}

/**
 * The doctor stops the visit because the patient needs to be seen in person (the condition changed):
 * the visit finishes (note signed) with that outcome and its reason, which closes online prescribing for it.
 */
export async function endForInPersonCare(db: Database, caller: Caller, encounterId: string, reason: string, billing?: FinishBilling) {
  const { visit } = await visitOfParticipant(db, caller, encounterId, 'doctor');
  if (billing) await prepareCharging();
  const moved = await db.transaction(async (tx) => {
    const after = await moveVisit(db, caller, encounterId, 'finished', tx);
    await signNote(db, caller, encounterId, tx);
    await db.models.VisitOutcome.create({
      encounterId, patientId: visit.patientId, outcome: 'needs-in-person-care', reason, decidedBy: caller.userId, decidedAt: new Date(),
    }, { transaction: tx });
    await recordAudit(db, caller, {
      action: 'U', activity: 'visit-needs-in-person-care', resourceType: 'Encounter', resourceId: encounterId, patientId: visit.patientId, detail: reason,
    }, tx);
    if (billing) await chargeVisit({ db, config: billing.config }, caller, encounterId);
    return after;
  });
  return visitView(moved, { outcome: 'needs-in-person-care', reason });
}

/** True when the doctor ended this visit as "needs in-person care": no prescription may be issued online in it. */
export async function isClosedForOnlinePrescribing(db: Database, encounterId: string): Promise<boolean> {
  return (await db.models.VisitOutcome.count({ where: { encounterId, outcome: 'needs-in-person-care' } })) > 0;
}
