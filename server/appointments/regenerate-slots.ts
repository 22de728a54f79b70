import { Op, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Schedule, VisitType } from '../../db/models/scheduling.js';
import { nextVersion } from '../../db/versions.js';
import * as records from '../fhir/repository/records.js';
import type { SlotRegeneration } from './contract.js';
import { planSlots, type SlotPlan } from './slot-generation.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

export type Regeneration = SlotRegeneration;

export async function slotPlanOf(db: Database, schedule: Schedule, tx: Transaction): Promise<SlotPlan> {
  const [rules, exceptions] = await Promise.all([
    db.models.AvailabilityRule.findAll({ where: { scheduleId: schedule.id }, transaction: tx }),
    db.models.ScheduleException.findAll({ where: { scheduleId: schedule.id }, transaction: tx }),
  ]);
  return {
    timeZone: schedule.timeZone, slotMinutes: schedule.slotMinutes, bufferMinutes: schedule.bufferMinutes,
    rules: rules.filter((r) => !r.date).map((r) => ({ weekday: r.weekday, start: r.startTime, end: r.endTime, visitTypes: r.visitTypes.split(',') as VisitType[] })),
    exceptionDates: exceptions.map((e) => e.date),
    datedOpenings: rules.filter((r) => r.date).map((r) => ({ date: r.date!, start: r.startTime, end: r.endTime, visitTypes: r.visitTypes.split(',') as VisitType[] })),
  };
}

const overlaps = (a: { start: Date; end: Date }, b: { start: Date; end: Date }) => a.start < b.end && b.start < a.end;

/**
 * Brings a schedule's future slots in line with its rules, from `now` to the end of its rolling horizon.
 * Booked (busy) slots are never touched, and no new slot may overlap one. A free slot the rules no longer
 * offer is deleted, or marked busy-unavailable when an old (cancelled) appointment still points at it.
 * Every change is conditional on `status = 'free'`, so a booking that commits first always wins.
 * The caller holds the practitioner lock (see locks.ts) and the transaction.
 */
export async function regenerateSlots(db: Database, schedule: Schedule, tx: Transaction, now = new Date()): Promise<Regeneration> {
  const { Slot, Appointment } = db.models;
  const ctx = { db, caller: records.CALENDAR, tx };
  const wanted = schedule.active ? planSlots(await slotPlanOf(db, schedule, tx), now, schedule.horizonDays) : [];
  const existing = await Slot.findAll({ where: { scheduleId: schedule.id, start: { [Op.gte]: now } }, transaction: tx });
  const wantedByStart = new Map(wanted.map((w) => [w.start.getTime(), w]));
  // A slot retired earlier (busy-unavailable) that the rules offer again comes back as free.
  for (const slot of existing.filter((s) => s.status === 'busy-unavailable')) {
    const match = wantedByStart.get(slot.start.getTime());
    if (!match || match.end.getTime() !== slot.end.getTime()) continue;
    await records.change(ctx, 'Slot', slot.id, undefined, () => Slot.update({ status: 'free', visitTypes: match.visitTypes.join(','), versionId: nextVersion(db) },
      { where: { id: slot.id, status: 'busy-unavailable' }, transaction: tx }));
  }
  const unavailable = existing.filter((s) => s.status !== 'free');
  const result: Regeneration = { created: 0, removed: 0, retired: 0, kept: 0, booked: unavailable.length };
  const taken = new Set<number>(existing.map((s) => s.start.getTime()));

  const stale = [];
  for (const slot of existing.filter((s) => s.status === 'free')) {
    const match = wantedByStart.get(slot.start.getTime());
    if (!match || match.end.getTime() !== slot.end.getTime()) {
      stale.push(slot);
      continue;
    }
    result.kept++;
    const visitTypes = match.visitTypes.join(',');
    if (visitTypes !== slot.visitTypes) {
      await records.change(ctx, 'Slot', slot.id, undefined, () =>
        Slot.update({ visitTypes, versionId: nextVersion(db) }, { where: { id: slot.id, status: 'free' }, transaction: tx }));
    }
  }
  if (stale.length) {
    const referenced = new Set((await Appointment.findAll({
      attributes: ['slotId'], where: { slotId: stale.map((s) => s.id) }, transaction: tx,
    })).map((a) => a.slotId));
    for (const slot of stale) {
      if (referenced.has(slot.id)) {
        const [retired] = await records.change(ctx, 'Slot', slot.id, undefined, () =>
          Slot.update({ status: 'busy-unavailable', versionId: nextVersion(db) }, { where: { id: slot.id, status: 'free' }, transaction: tx }));
        if (retired) {
          result.retired++;
          unavailable.push(slot);
        }
      } else {
        const removed = await Slot.destroy({ where: { id: slot.id, status: 'free' }, transaction: tx });
        if (removed) taken.delete(slot.start.getTime());
        else unavailable.push(slot);
        result.removed += removed;
      }
    }
  }
  const opened = [];
  for (const slot of wanted) {
    if (taken.has(slot.start.getTime()) || unavailable.some((u) => overlaps(u, slot))) continue;
    opened.push(await Slot.create({
      id: newResourceId(), scheduleId: schedule.id, practitionerId: schedule.practitionerId,
      start: slot.start, end: slot.end, visitTypes: slot.visitTypes.join(','), status: 'free',
    }, { transaction: tx }));
    result.created++;
  }
  await records.createdAll(ctx, 'Slot', opened);
  return result;
}
