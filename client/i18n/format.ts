/**
 * Dates, times and numbers in the page's language with Intl, one format for each kind (./formats.ts): a moment
 * is always "1 Dec 2026, 09:30" / "2026年12月1日 09:30", in the zone given (the patient's own on her pages).
 */
import { CLOCK, DATE, LONG_DAY, MOMENT, SHORT_DAY } from './formats.js';
import { locale } from './index.js';

const cache = new Map<string, Intl.DateTimeFormat>();
function formatted(iso: string, zone: string | undefined, options: Intl.DateTimeFormatOptions): string {
  const key = `${zone}|${JSON.stringify(options)}`;
  let format = cache.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone: zone, ...options });
    cache.set(key, format);
  }
  return format.format(new Date(iso));
}

/** The date and time of an instant: the one format of a moment on every page. */
export const momentWords = (iso: string, zone?: string) => formatted(iso, zone, MOMENT);

/** "Tuesday, 1 December 2026" / "2026年12月1日星期二". */
export const longDayWords = (iso: string, zone?: string) => formatted(iso, zone, LONG_DAY);

/** "Tue 1 Dec" / "12月1日周二": a column of the week calendar. */
export const shortDayWords = (iso: string, zone?: string) => formatted(iso, zone, SHORT_DAY);

/** "09:30". */
export const clockWords = (iso: string, zone?: string) => formatted(iso, zone, CLOCK);

/** "1 Dec 2026": a day without its time (a validity date). */
export const dateWords = (iso: string, zone?: string) => formatted(iso, zone, DATE);

/** A number as the page's language writes it ("1,234.5"). */
export const numberWords = (value: number, options: Intl.NumberFormatOptions = {}) =>
  new Intl.NumberFormat(locale, { maximumFractionDigits: 1, ...options }).format(value);

/**
 * A time zone as the reader says it: in Chinese its name ("中国时间", "协调世界时"), as an elderly reader would not
 * read "Asia/Shanghai"; in English the zone's own name ("Asia/Shanghai"), as the English pages have always said it.
 */
export function zoneWords(zone: string): string {
  if (locale === 'en') return zone;
  const named = (timeZoneName: 'longGeneric' | 'long') => new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName })
    .formatToParts(new Date()).find((part) => part.type === 'timeZoneName')?.value ?? zone;
  try {
    // The generic name ("英国时间") unless it has none but an offset ("GMT+00:00" for UTC, which is "协调世界时").
    const generic = named('longGeneric');
    return generic.startsWith('GMT') ? named('long') : generic;
  } catch {
    return zone; // a zone this browser does not know
  }
}
