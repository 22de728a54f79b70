/**
 * Times on the patient's pages, shown in the patient's own time zone (DESIGN.md: "shown in the patient's time
 * zone"), whatever zone the browser is in. The wall-clock arithmetic is the server's own Intl-only module.
 */
import { timeOf } from '../dom.js';
import { clockWords as clock, longDayWords } from '../i18n/format.js';
import { addDays, isoInZone, localDate, zonedToUtc } from '../../server/appointments/time-zone.js';

/** "Tuesday, 1 December 2026" for the day the instant falls on in `zone`. */
export const dayWords = (iso: string, zone: string) => longDayWords(iso, zone);

/** "09:30" in `zone`. */
export const clockWords = (iso: string, zone: string) => clock(iso, zone);

/** A `<time>` with the date and time in `zone`, and the exact instant in `datetime`. */
export const zonedTime = (iso: string, zone: string) => timeOf(iso, zone);

/** YYYY-MM-DD of the instant in `zone`: the key slots are grouped by. */
export const dayOf = (iso: string, zone: string) => localDate(zone, new Date(iso));

/** Today in `zone` and the day `days` later, as a date input takes them. */
export function dateRange(zone: string, days: number, now = new Date()): { from: string; to: string } {
  const from = localDate(zone, now);
  return { from, to: addDays(from, days) };
}

/** The instants bounding the calendar days `from`…`to` (inclusive) in `zone`. */
export const instantsOfDays = (from: string, to: string, zone: string) =>
  ({ from: zonedToUtc(from, '00:00', zone).toISOString(), to: zonedToUtc(to, '24:00', zone).toISOString() });

/** Now as a datetime-local input shows it in `zone` (YYYY-MM-DDTHH:MM). */
export const nowInZone = (zone: string, now = new Date()) => isoInZone(now, zone).slice(0, 16);

/** A datetime-local value read as a wall-clock time in `zone`. */
export const instantOfLocal = (value: string, zone: string) => zonedToUtc(value.slice(0, 10), value.slice(11, 16), zone).toISOString();

/** The calendar days `from`…`to` (YYYY-MM-DD, inclusive), at most `limit` of them. */
export function daysFrom(from: string, to: string, limit: number): string[] {
  const days: string[] = [];
  for (let day = from; day <= to && days.length < limit; day = addDays(day, 1)) days.push(day);
  return days;
}
