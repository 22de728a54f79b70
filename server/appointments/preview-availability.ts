import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import type { AvailabilityPreview } from './contract.js';
import { assertAvailabilityConsistent, assertMayManageSchedule, type Availability } from './set-availability.js';
import { planOpenings, planSlots, type SlotPlan } from './slot-generation.js';
import { isoInZone, localDate } from './time-zone.js';

/** The preview shows two weeks at most (fewer when the horizon is shorter): what a doctor checks before saving. */
export const PREVIEW_DAYS = 14;
const DAY_MS = 86_400_000;

const planOf = (input: Availability): SlotPlan => ({
  timeZone: input.timeZone, slotMinutes: input.slotMinutes, bufferMinutes: input.bufferMinutes,
  rules: input.rules, exceptionDates: input.exceptions.map((e) => e.date), datedOpenings: input.extraHours ?? [],
});

/**
 * Use case: what an availability would offer, computed by the same rule that cuts the slots (slot-generation.ts),
 * and which booked visits its hours would no longer cover (saving keeps them booked). Nothing is written but the
 * audit of the appointments read.
 */
export async function previewAvailability(db: Database, caller: Caller, practitionerId: string, input: Availability, now = new Date()):
  Promise<AvailabilityPreview> {
  assertMayManageSchedule(caller, practitionerId);
  assertAvailabilityConsistent(input);
  const plan = planOf(input);
  const days = Math.min(input.horizonDays, PREVIEW_DAYS);
  const booked = await db.models.Appointment.findAll({
    where: { practitionerId, status: ['booked', 'arrived'], end: { [Op.gt]: now } }, order: [['start', 'ASC']],
  });
  await recordAudit(db, caller, {
    action: 'R', activity: 'search', resourceType: 'Appointment', detail: `${booked.length} booked appointments checked against new availability`,
  });
  // The openings up to the last booked visit, past the horizon too: a booked visit is kept whatever the horizon.
  const lastEnd = booked.reduce((last, a) => Math.max(last, a.end.getTime()), now.getTime());
  const openings = planOpenings(plan, now, Math.ceil((lastEnd - now.getTime()) / DAY_MS) + 2);
  const covered = (start: Date, end: Date) => openings.some((o) => o.start <= start && end <= o.end);
  const zone = input.timeZone;
  return {
    timeZone: zone, firstDay: localDate(zone, now), days,
    slots: planSlots(plan, now, days).map((s) => ({ start: isoInZone(s.start, zone), end: isoInZone(s.end, zone), visitTypes: s.visitTypes })),
    outsideHours: booked.filter((a) => !covered(a.start, a.end)).map((a) => ({
      appointmentId: a.id, start: isoInZone(a.start, zone), end: isoInZone(a.end, zone), visitType: a.visitType,
    })),
  };
}
