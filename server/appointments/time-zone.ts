/**
 * Wall-clock arithmetic in IANA time zones with Intl only (no tz library): enough to cut slots in a doctor's
 * zone and to show times with the patient's offset. DST gaps and overlaps follow Temporal's "compatible"
 * disambiguation: a wall time that does not exist moves forward by the gap, an ambiguous one takes the earlier instant.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock { year: number; month: number; day: number; hour: number; minute: number; second: number }

function wallClock(zone: string, utcMs: number): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(utcMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour % 24, minute: parts.minute, second: parts.second };
}

/** The zone's offset from UTC at an instant, in minutes (Asia/Shanghai → 480). */
export function offsetMinutes(zone: string, utcMs: number): number {
  const w = wallClock(zone, utcMs);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/** The instant at which the wall clock in `zone` shows `date` (YYYY-MM-DD) `time` (HH:MM, 24:00 = next midnight). */
export function zonedToUtc(date: string, time: string, zone: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const naive = Date.UTC(y, m - 1, d, hh, mm);
  const before = offsetMinutes(zone, naive - 86_400_000);
  const after = offsetMinutes(zone, naive + 86_400_000);
  const valid = [naive - before * 60_000, naive - after * 60_000]
    .filter((utc, i) => offsetMinutes(zone, utc) === (i === 0 ? before : after));
  // Both valid: an ambiguous (fall-back) time, take the earlier. None: a gap (spring-forward), shift forward.
  return new Date(valid.length ? Math.min(...valid) : naive - before * 60_000);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** YYYY-MM-DD of the instant on the wall calendar of `zone`. */
export function localDate(zone: string, at: Date): string {
  const w = wallClock(zone, at.getTime());
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/** ISO 8601 with the zone's offset at that instant, e.g. 2026-12-01T09:00:00+08:00. */
export function isoInZone(at: Date, zone: string): string {
  const offset = offsetMinutes(zone, at.getTime());
  const w = wallClock(zone, at.getTime());
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`
    + `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The calendar date `days` after `date` (both YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** ISO weekday of a calendar date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay() || 7;
}
