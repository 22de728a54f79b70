import type { VisitType } from '../../db/models/scheduling.js';
import { addDays, isoWeekday, localDate, zonedToUtc } from './time-zone.js';

export interface WeeklyRule {
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** HH:MM wall-clock time in the schedule's zone; `end` may be 24:00. */
  start: string;
  end: string;
  visitTypes: VisitType[];
}

export interface SlotPlan {
  timeZone: string;
  slotMinutes: number;
  bufferMinutes: number;
  rules: WeeklyRule[];
  /** YYYY-MM-DD dates (in the schedule's zone) on which the weekly rules offer no slot. */
  exceptionDates: string[];
  /** Openings on one date only (extra hours), which hold on an exception date too. */
  datedOpenings?: DatedRule[];
}

/** An opening on one date (YYYY-MM-DD in the schedule's zone). */
export interface DatedRule {
  date: string;
  start: string;
  end: string;
  visitTypes: VisitType[];
}

export interface PlannedSlot {
  start: Date;
  end: Date;
  visitTypes: VisitType[];
}

/** One opening on one calendar day, as instants. */
export interface DatedOpening {
  start: Date;
  end: Date;
  visitTypes: VisitType[];
}

/**
 * The openings a plan holds on `days` calendar days of the schedule's zone from the one `from` falls on, in rule
 * order: each between its two wall-clock ends, so an opening of 00:00–04:00 lasts 3 hours on a spring-forward day
 * and 5 on a fall-back day (see docs/appointments.md). Exception dates have only their extra hours.
 */
export function planOpenings(plan: SlotPlan, from: Date, days: number): DatedOpening[] {
  const exceptions = new Set(plan.exceptionDates);
  const firstDate = localDate(plan.timeZone, from);
  const openings: DatedOpening[] = [];
  for (let i = 0; i < days; i++) {
    const date = addDays(firstDate, i);
    const weekday = isoWeekday(date);
    const rules = [...exceptions.has(date) ? [] : plan.rules.filter((r) => r.weekday === weekday), ...(plan.datedOpenings ?? []).filter((r) => r.date === date)];
    for (const rule of rules) {
      openings.push({ start: zonedToUtc(date, rule.start, plan.timeZone), end: zonedToUtc(date, rule.end, plan.timeZone), visitTypes: rule.visitTypes });
    }
  }
  return openings;
}

/**
 * The slots a plan offers from `from` for `days` calendar days of the schedule's zone, in time order: each
 * opening (above) holds as many slots as fit in its elapsed time. Slots that start before `from` are left out.
 */
export function planSlots(plan: SlotPlan, from: Date, days: number): PlannedSlot[] {
  const slotMs = plan.slotMinutes * 60_000;
  const stepMs = (plan.slotMinutes + plan.bufferMinutes) * 60_000;
  const slots: PlannedSlot[] = [];
  for (const opening of planOpenings(plan, from, days)) {
    const close = opening.end.getTime();
    for (let t = opening.start.getTime(); t + slotMs <= close; t += stepMs) {
      if (t < from.getTime()) continue;
      slots.push({ start: new Date(t), end: new Date(t + slotMs), visitTypes: [...opening.visitTypes] });
    }
  }
  return slots.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** Openings of one weekday must not overlap (wall-clock HH:MM compare as strings). */
export function overlappingRules(rules: WeeklyRule[]): [WeeklyRule, WeeklyRule] | undefined {
  const sorted = [...rules].sort((a, b) => a.weekday - b.weekday || a.start.localeCompare(b.start));
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    if (a.weekday === b.weekday && b.start < a.end) return [a, b];
  }
  return undefined;
}
