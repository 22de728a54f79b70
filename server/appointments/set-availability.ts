import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { AvailabilityRule, Schedule, VisitType } from '../../db/models/scheduling.js';
import { nextVersion } from '../../db/versions.js';
import * as records from '../fhir/repository/records.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { Forbidden, Invalid } from '../http/errors.js';
import { lockPractitioner } from './locks.js';
import { regenerateSlots } from './regenerate-slots.js';
import type { AvailabilityInput, AvailabilitySaved, AvailabilityView } from './contract.js';
import { overlappingRules } from './slot-generation.js';
import { isoWeekday } from './time-zone.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

export type Availability = AvailabilityInput;

/** A doctor sets their own availability; an admin anyone's. */
export function assertMayManageSchedule(caller: Caller, practitionerId: string): void {
  if (caller.role === 'admin') return;
  if (caller.role === 'doctor' && caller.practitionerId === practitionerId) return;
  throw new Forbidden('not-your-schedule', 'Only the doctor (or an admin) may change this availability.');
}

/** The checks a schema cannot make: each opening ends after it starts, none overlaps another, a day off once. */
export function assertAvailabilityConsistent(input: Availability): void {
  for (const [i, rule] of input.rules.entries()) {
    if (rule.end <= rule.start) {
      throw new Invalid('opening-ends-before-start', `Opening ${i + 1} ends (${rule.end}) before it starts (${rule.start}).`,
        [{ expression: `body.rules.${i}.end`, message: 'must be after start' }]);
    }
  }
  const clash = overlappingRules(input.rules);
  if (clash) {
    throw new Invalid('overlapping-openings', `Two openings on weekday ${clash[0].weekday} overlap (${clash[0].start}–${clash[0].end} and ${clash[1].start}–${clash[1].end}).`);
  }
  const exceptionDates = input.exceptions.map((e) => e.date);
  if (new Set(exceptionDates).size !== exceptionDates.length) throw new Invalid('duplicate-exception', 'An exception date is listed twice.');
  assertExtraHoursConsistent(input, new Set(exceptionDates));
}

/** Extra hours end after they start and overlap nothing else on their date (the weekly hours, unless it is a day off). */
function assertExtraHoursConsistent(input: Availability, daysOff: Set<string>): void {
  const extras = input.extraHours ?? [];
  for (const [i, extra] of extras.entries()) {
    if (extra.end <= extra.start) {
      throw new Invalid('opening-ends-before-start', `The extra hours on ${extra.date} end (${extra.end}) before they start (${extra.start}).`,
        [{ expression: `body.extraHours.${i}.end`, message: 'must be after start' }]);
    }
  }
  for (const date of new Set(extras.map((e) => e.date))) {
    const weekday = isoWeekday(date);
    const clash = overlappingRules([...daysOff.has(date) ? [] : input.rules.filter((r) => r.weekday === weekday),
      ...extras.filter((e) => e.date === date).map((e) => ({ ...e, weekday }))]);
    if (clash) throw new Invalid('overlapping-openings', `Two openings on ${date} overlap (${clash[0].start}–${clash[0].end} and ${clash[1].start}–${clash[1].end}).`);
  }
}

/** The practitioner's schedule (the oldest, when several exist), or null. */
export function scheduleOf(db: Database, practitionerId: string, tx?: Transaction) {
  return db.models.Schedule.findOne({ where: { practitionerId }, order: [['createdAt', 'ASC']], transaction: tx });
}

/** Writes a schedule's settings, weekly openings and exceptions inside `tx`, then regenerates its slots. */
export async function writeAvailability(db: Database, practitionerId: string, input: Availability, tx: Transaction, now = new Date()) {
  const { Schedule: Schedules, AvailabilityRule, ScheduleException } = db.models;
  await lockPractitioner(db, practitionerId, tx);
  const settings = { timeZone: input.timeZone, slotMinutes: input.slotMinutes, bufferMinutes: input.bufferMinutes, horizonDays: input.horizonDays, active: true };
  let schedule: Schedule | null = await scheduleOf(db, practitionerId, tx);
  const ctx = { db, caller: records.CALENDAR, tx };
  if (schedule) {
    const id = schedule.id;
    await records.change(ctx, 'Schedule', id, undefined, () => Schedules.update({ ...settings, versionId: nextVersion(db) }, { where: { id }, transaction: tx }));
    await schedule.reload({ transaction: tx });
  } else {
    schedule = await Schedules.create({ id: newResourceId(), practitionerId, ...settings }, { transaction: tx });
    await records.created(ctx, 'Schedule', schedule);
  }
  await AvailabilityRule.destroy({ where: { scheduleId: schedule.id }, transaction: tx });
  await ScheduleException.destroy({ where: { scheduleId: schedule.id }, transaction: tx });
  const openings = [...input.rules.map((r) => ({ ...r, date: null })), ...(input.extraHours ?? []).map((e) => ({ ...e, weekday: isoWeekday(e.date) }))];
  await AvailabilityRule.bulkCreate(openings.map((r) => ({
    id: crypto.randomUUID(), scheduleId: schedule.id, weekday: r.weekday, startTime: r.start, endTime: r.end,
    visitTypes: [...new Set<VisitType>(r.visitTypes)].join(','), date: r.date,
  })), { transaction: tx });
  await ScheduleException.bulkCreate(input.exceptions.map((e) => ({
    id: crypto.randomUUID(), scheduleId: schedule.id, date: e.date, reason: e.reason ?? null,
  })), { transaction: tx });
  const slots = await regenerateSlots(db, schedule, tx, now);
  return { schedule, slots };
}

/** Use case: a doctor or admin publishes availability; slots follow at once, booked ones untouched. */
export async function setAvailability(db: Database, caller: Caller, practitionerId: string, input: Availability, now = new Date()):
  Promise<AvailabilitySaved> {
  assertMayManageSchedule(caller, practitionerId);
  assertAvailabilityConsistent(input);
  return db.transaction(async (tx) => {
    const { schedule, slots } = await writeAvailability(db, practitionerId, input, tx, now);
    await recordAudit(db, caller, { action: 'U', activity: 'set-availability', resourceType: 'Schedule', resourceId: schedule.id }, tx);
    return { scheduleId: schedule.id, slots };
  });
}

/** The availability as set, for the doctor's settings page. */
export async function readAvailability(db: Database, practitionerId: string): Promise<AvailabilityView | null> {
  const schedule = await scheduleOf(db, practitionerId);
  if (!schedule) return null;
  const [rules, exceptions] = await Promise.all([
    db.models.AvailabilityRule.findAll({ where: { scheduleId: schedule.id }, order: [['weekday', 'ASC'], ['startTime', 'ASC']] }),
    db.models.ScheduleException.findAll({ where: { scheduleId: schedule.id }, order: [['date', 'ASC']] }),
  ]);
  const hours = (r: AvailabilityRule) => ({ start: r.startTime, end: r.endTime, visitTypes: r.visitTypes.split(',') as VisitType[] });
  return {
    scheduleId: schedule.id, practitionerId, timeZone: schedule.timeZone, slotMinutes: schedule.slotMinutes,
    bufferMinutes: schedule.bufferMinutes, horizonDays: schedule.horizonDays, versionId: schedule.versionId,
    rules: rules.filter((r) => !r.date).map((r) => ({ weekday: r.weekday, ...hours(r) })),
    exceptions: exceptions.map((e) => ({ date: e.date, reason: e.reason })),
    extraHours: rules.filter((r) => r.date).map((r) => ({ date: r.date!, ...hours(r) }))
      .sort((a, b) => a.date.localeCompare(b.date) || a.start.localeCompare(b.start)),
  };
}

/** Extends every active schedule's rolling horizon (run by the background worker). */
export async function rollSlotHorizons(db: Database, now = new Date()): Promise<number> {
  const schedules = await db.models.Schedule.findAll({ where: { active: true } });
  let created = 0;
  for (const s of schedules) {
    created += await db.transaction(async (tx) => {
      await lockPractitioner(db, s.practitionerId, tx);
      const fresh = await db.models.Schedule.findByPk(s.id, { transaction: tx, rejectOnEmpty: true });
      return (await regenerateSlots(db, fresh, tx, now)).created;
    });
  }
  return created;
}
