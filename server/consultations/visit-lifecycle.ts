import { Op, UniqueConstraintError, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { EncounterStatus } from '../../db/models/clinical.js';
import { nextVersion } from '../../db/versions.js';
import type { Caller } from '../auth/caller.js';
import * as records from '../fhir/repository/records.js';
import { Conflict, NotFound } from '../http/errors.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

/**
 * A follow-up visit is an Encounter of class VR, one per booked appointment:
 * planned → arrived (waiting room) → in-progress (doctor admits) → finished; planned or arrived → cancelled.
 */
export const VISIT_TRANSITIONS: Record<EncounterStatus, EncounterStatus[]> = {
  planned: ['arrived', 'in-progress', 'cancelled'],
  arrived: ['in-progress', 'cancelled'],
  'in-progress': ['finished'],
  finished: [],
  cancelled: [],
  'entered-in-error': [],
};

/** What the appointment becomes when its visit reaches a status. */
const APPOINTMENT_STATUS_FOR: Partial<Record<EncounterStatus, 'arrived' | 'fulfilled' | 'cancelled'>> = {
  arrived: 'arrived',
  finished: 'fulfilled',
};

const VISIT_OPENER = { ip: null, requestId: 'visit-opened' };

/** The visit of a booked appointment, created (planned) on first use; safe when two requests race. */
export async function visitForAppointment(db: Database, appointmentId: string) {
  const { Appointment, Encounter } = db.models;
  const existing = await Encounter.findOne({ where: { appointmentId } });
  if (existing) return existing;
  const appointment = await Appointment.findByPk(appointmentId);
  if (!appointment) throw new NotFound('appointment-not-found', `No appointment with id ${appointmentId}.`);
  try {
    return await db.transaction(async (tx) => {
      const visit = await Encounter.create({
        id: newResourceId(), patientId: appointment.patientId, practitionerId: appointment.practitionerId,
        organizationId: null, encounterClass: appointment.visitType === 'in-person' ? 'AMB' : 'VR', status: 'planned',
        periodStart: null, periodEnd: null, source: null, appointmentId,
      }, { transaction: tx });
      // Opened by whoever first uses the appointment; the act that follows (join, admit) is the audited one.
      await records.created({ db, caller: VISIT_OPENER, tx }, 'Encounter', visit);
      return visit;
    });
  } catch (error) {
    // The unique appointmentId lost a race to a concurrent first use: the other request's visit is the visit.
    if (error instanceof UniqueConstraintError) return Encounter.findOne({ where: { appointmentId }, rejectOnEmpty: true });
    throw error;
  }
}

/** The visit of each of these appointments that has one (appointment id → visit id), read at once. */
export async function visitIdsOf(db: Database, appointmentIds: string[]): Promise<Map<string, string>> {
  if (appointmentIds.length === 0) return new Map();
  const visits = await db.models.Encounter.findAll({ where: { appointmentId: appointmentIds }, attributes: ['id', 'appointmentId'] });
  return new Map(visits.map((v) => [v.appointmentId!, v.id]));
}

/** A visit that can move no further (finished, cancelled, entered in error): its note, messages and room are closed. */
export const isClosedVisit = (status: EncounterStatus): boolean => VISIT_TRANSITIONS[status].length === 0;

/** The 409 for a move the lifecycle does not allow from where the visit is. */
export const illegalMove = (current: EncounterStatus, to: EncounterStatus) =>
  new Conflict('illegal-visit-transition', `The visit is ${current}; it cannot become ${to}.`, [], { current, requested: to });

/**
 * Moves a visit to `to` with a conditional update, so of two concurrent moves only one applies;
 * an illegal move (finished → arrived, …) is a 409 that names the current status.
 */
export async function moveVisit(db: Database, caller: Caller, encounterId: string, to: EncounterStatus, outerTx?: Transaction) {
  const allowedFrom = (Object.keys(VISIT_TRANSITIONS) as EncounterStatus[]).filter((from) => VISIT_TRANSITIONS[from].includes(to));
  const work = async (tx: Transaction) => {
    const { Encounter, Appointment } = db.models;
    const now = new Date();
    const times = to === 'in-progress' ? { periodStart: now } : to === 'finished' || to === 'cancelled' ? { periodEnd: now } : {};
    const ctx = { db, caller, tx };
    const act = { action: 'U' as const, activity: `visit-${to}` };
    await records.change(ctx, 'Encounter', encounterId, act, async () => {
      const [moved] = await Encounter.update(
        { status: to, ...times, versionId: nextVersion(db) },
        { where: { id: encounterId, status: { [Op.in]: allowedFrom } }, transaction: tx },
      );
      const current = await Encounter.findByPk(encounterId, { transaction: tx });
      if (!current) throw new NotFound('visit-not-found', `No visit with id ${encounterId}.`);
      if (moved !== 1) throw illegalMove(current.status, to);
    });
    const visit = await Encounter.findByPk(encounterId, { transaction: tx, rejectOnEmpty: true });
    const appointmentStatus = APPOINTMENT_STATUS_FOR[to];
    // The booking follows the visit (arrived, fulfilled, cancelled): the same act, audited on the Appointment too.
    if (visit.appointmentId && appointmentStatus) {
      await records.change(ctx, 'Appointment', visit.appointmentId, act, () =>
        Appointment.update({ status: appointmentStatus, versionId: nextVersion(db) }, { where: { id: visit.appointmentId! }, transaction: tx }));
    }
    return visit;
  };
  return outerTx ? work(outerTx) : db.transaction(work);
}
