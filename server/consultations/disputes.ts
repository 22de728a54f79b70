import type { Database } from '../../db/connection.js';
import type { Dispute } from '../../db/models/consultations.js';
import { nextVersion } from '../../db/versions.js';
import { toDisputeResource } from '../../fhir-mappings/consultation-records.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { doctorNames } from '../auth/staff-accounts.js';
import { storeDerived } from '../fhir/repository/derived-records.js';
import { Conflict, Forbidden, NotFound } from '../http/errors.js';
import { queueNotice } from '../appointments/notifications.js';
import { visitTimeline } from './dispute-timeline.js';
import { visitOfParticipant } from './visit-participants.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

export const DISPUTE_OUTCOMES = ['upheld', 'partially-upheld', 'rejected'] as const;
export type DisputeOutcome = (typeof DISPUTE_OUTCOMES)[number];

/** Disputes are exposed as a FHIR Task (focus: the Encounter) for versioning. */
const DISPUTE_RESOURCE = 'Task';

export const disputeView = (d: Dispute) => ({
  id: d.id, encounterId: d.encounterId, patientId: d.patientId, reason: d.reason, status: d.status, openedAt: d.createdAt.toISOString(),
  resolution: d.status === 'resolved' ? { outcome: d.outcome, text: d.resolution, resolvedAt: d.resolvedAt?.toISOString() ?? null } : null,
  versionId: d.versionId,
});

/** The patient of a visit complains about it. */
export async function openDispute(db: Database, caller: Caller, encounterId: string, reason: string) {
  const { visit } = await visitOfParticipant(db, caller, encounterId, 'patient');
  return db.transaction(async (tx) => {
    const dispute = await db.models.Dispute.create({
      id: newResourceId(), encounterId, patientId: visit.patientId, openedBy: caller.userId, reason, status: 'open',
      resolution: null, outcome: null, resolvedBy: null, resolvedAt: null,
    }, { transaction: tx });
    await storeDerived({ db, caller, tx }, [toDisputeResource(dispute.get({ plain: true }))], { action: 'C', activity: 'dispute-opened' });
    return disputeView(dispute);
  });
}

/** Its patient or an admin; other roles are refused (403), another patient gets the 404 of a dispute that does not exist. */
async function disputeFor(db: Database, caller: Caller, disputeId: string) {
  if (caller.role !== 'admin' && caller.role !== 'patient') throw new Forbidden('wrong-role', 'Disputes are for patients and admins.');
  const notFound = new NotFound('dispute-not-found', `No dispute with id ${disputeId}.`);
  const dispute = await db.models.Dispute.findByPk(disputeId);
  if (!dispute) throw notFound;
  if (caller.role === 'patient' && caller.patientId !== dispute.patientId) {
    await recordAudit(db, caller, { action: 'R', activity: 'refused', outcome: '4', resourceType: DISPUTE_RESOURCE, resourceId: disputeId, patientId: dispute.patientId });
    throw notFound;
  }
  return dispute;
}

/**
 * What a list of disputes shows of each disputed visit, so a reader can tell them apart: when it was booked for,
 * the kind of visit, its doctor and how far it got. Read for all the disputes at once.
 */
async function disputedVisits(db: Database, disputes: Dispute[]) {
  const { Encounter, Appointment } = db.models;
  const visits = await Encounter.findAll({ where: { id: [...new Set(disputes.map((d) => d.encounterId))] } });
  const appointments = new Map((await Appointment.findAll({ where: { id: visits.flatMap((v) => v.appointmentId ?? []) } })).map((a) => [a.id, a]));
  const names = await doctorNames(db, visits.map((v) => v.practitionerId));
  return new Map(visits.map((v) => {
    const appointment = v.appointmentId ? appointments.get(v.appointmentId) : undefined;
    return [v.id, {
      status: v.status, appointmentId: v.appointmentId ?? null, visitType: appointment?.visitType ?? null,
      start: appointment?.start.toISOString() ?? v.periodStart?.toISOString() ?? null, end: appointment?.end.toISOString() ?? v.periodEnd?.toISOString() ?? null,
      practitionerId: v.practitionerId, doctorName: (v.practitionerId && names.get(v.practitionerId)) || null,
    }];
  }));
}

/** Disputes as the lists and the dispute's own page show them: each with its visit (`disputedVisits`). */
async function withVisits(db: Database, disputes: Dispute[]) {
  if (disputes.length === 0) return [];
  const visits = await disputedVisits(db, disputes);
  return disputes.map((d) => ({ ...disputeView(d), visit: visits.get(d.encounterId) ?? null }));
}

export async function readDispute(db: Database, caller: Caller, disputeId: string) {
  const dispute = await disputeFor(db, caller, disputeId);
  await recordAudit(db, caller, { action: 'R', activity: 'dispute-read', resourceType: DISPUTE_RESOURCE, resourceId: dispute.id, patientId: dispute.patientId });
  return (await withVisits(db, [dispute]))[0]!;
}

export async function listDisputes(db: Database, caller: Caller, status?: 'open' | 'resolved') {
  if (caller.role !== 'admin' && caller.role !== 'patient') throw new Forbidden('wrong-role', 'Disputes are for patients and admins.');
  const where = { ...(status ? { status } : {}), ...(caller.role === 'patient' ? { patientId: caller.patientId ?? '' } : {}) };
  const disputes = await db.models.Dispute.findAll({ where, order: [['createdAt', 'ASC']] });
  await recordAudit(db, caller, {
    action: 'R', activity: 'dispute-list-read', resourceType: DISPUTE_RESOURCE, patientId: caller.patientId, detail: `${disputes.length} disputes`,
  });
  return withVisits(db, disputes);
}

/** The admin's read-only view of everything that happened in the disputed visit, in time order. */
export async function disputeTimeline(db: Database, caller: Caller, disputeId: string) {
  if (caller.role !== 'admin') throw new Forbidden('wrong-role', 'Only an admin reads the evidence timeline of a dispute.');
  const dispute = await disputeFor(db, caller, disputeId);
  const visit = await db.models.Encounter.findByPk(dispute.encounterId, { rejectOnEmpty: true });
  const timeline = await visitTimeline(db, visit);
  // The admin's one read of clinical content, with the dispute as its purpose of use: an audit event of its own.
  await recordAudit(db, caller, {
    action: 'R', activity: 'dispute-evidence', resourceType: 'Encounter', resourceId: visit.id, patientId: dispute.patientId, detail: `dispute ${dispute.id}`,
  });
  return { dispute: disputeView(dispute), timeline };
}

/** An admin records the resolution once; the patient then sees the outcome. */
export async function resolveDispute(db: Database, caller: Caller, disputeId: string, input: { outcome: DisputeOutcome; resolution: string }) {
  if (caller.role !== 'admin') throw new Forbidden('wrong-role', 'Only an admin resolves disputes.');
  const dispute = await disputeFor(db, caller, disputeId);
  return db.transaction(async (tx) => {
    const [resolved] = await db.models.Dispute.update(
      { status: 'resolved', outcome: input.outcome, resolution: input.resolution, resolvedBy: caller.userId, resolvedAt: new Date(), versionId: nextVersion(db) },
      { where: { id: disputeId, status: 'open' }, transaction: tx },
    );
    if (resolved !== 1) throw new Conflict('dispute-already-resolved', 'This dispute has already been resolved.');
    const after = await db.models.Dispute.findByPk(disputeId, { transaction: tx, rejectOnEmpty: true });
    await storeDerived({ db, caller, tx }, [toDisputeResource(after.get({ plain: true }))], { action: 'U', activity: 'dispute-resolved', detail: input.outcome });
    await queueNotice(db, tx, {
      kind: 'dispute-answered', subjectId: disputeId, to: { patientId: dispute.patientId }, payload: { disputeId, outcome: input.outcome },
    });
    return disputeView(after);
  });
}
