/**
 * The time zones a doctor chooses her schedule's from, in her language (issue 14): each zone by the name Intl gives
 * it ("中国标准时间", "Central European Time") with its offset from UTC, grouped by region, the zones that share a
 * name in a region shown once, sorted by offset, then name. The first group holds the zones most likely meant: in
 * Chinese the hospital's own (Asia/Shanghai) first, then the one set now and UTC.
 */
import type { Locale } from '../i18n/locale.js';

export interface ZoneChoice { zone: string; words: string }
export interface ZoneGroup { label: string; choices: ZoneChoice[] }

/** The words the list needs, from the catalogue (`t.availability.zones`). */
export interface ZoneWords {
  suggested: string;
  other: string;
  region: Record<string, string>;
  option: (name: string, offset: string) => string;
  /** A zone the browser names only with a Latin place name on a Chinese page: said by its offset alone. */
  unnamed: (offset: string) => string;
}

/** Regions in the order they are listed; the first ones depend on where the reader most likely is. */
const REGIONS: Record<Locale, string[]> = {
  'zh-CN': ['Asia', 'Australia', 'Pacific', 'Europe', 'Africa', 'America', 'Atlantic', 'Indian', 'Antarctica', 'Arctic'],
  en: ['America', 'Europe', 'Asia', 'Africa', 'Australia', 'Pacific', 'Atlantic', 'Indian', 'Antarctica', 'Arctic'],
};
const FIRST: Record<Locale, string[]> = { 'zh-CN': ['Asia/Shanghai'], en: [] };

function zoneName(locale: Locale, zone: string, at: Date, timeZoneName: 'longGeneric' | 'long' | 'shortOffset'): string {
  return new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? zone;
}

/** The zone's name, or its standard name where the generic one is only an offset ("GMT+00:00" for UTC). */
function nameOf(locale: Locale, zone: string, at: Date): string {
  const generic = zoneName(locale, zone, at, 'longGeneric');
  return generic.startsWith('GMT') ? zoneName(locale, zone, at, 'long') : generic;
}

/** The offset from UTC at `at`, in minutes and as written ("UTC+8", "UTC+5:30", "UTC−3"). */
function offsetOf(zone: string, at: Date): { minutes: number; words: string } {
  const gmt = zoneName('en', zone, at, 'shortOffset'); // "GMT", "GMT+8", "GMT-3:30"
  const [, sign = '+', hours = '0', mins = '0'] = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?$/.exec(gmt) ?? [];
  const minutes = (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(mins));
  return { minutes, words: `UTC${sign === '-' ? '−' : '+'}${hours}${mins === '0' ? '' : `:${mins}`}` };
}

interface Described extends ZoneChoice { name: string; offset: number }

function describe(locale: Locale, zone: string, at: Date, words: ZoneWords): Described | null {
  try {
    const name = nameOf(locale, zone, at);
    const offset = offsetOf(zone, at);
    // Some browsers name a few zones by their place in Latin letters ("Urumqi时间"): the offset says it in any language.
    if (locale === 'zh-CN' && /[A-Za-z]/.test(name.replace(/GMT|UTC/g, ''))) return { zone, name, offset: offset.minutes, words: words.unnamed(offset.words) };
    return { zone, name, offset: offset.minutes, words: words.option(name, offset.words) };
  } catch {
    return null; // a zone this browser does not know
  }
}

/** Every zone once: the suggested first, then a group per region; `current` always among them, as itself. */
export function zoneGroups(locale: Locale, current: string, zones: readonly string[], words: ZoneWords, at = new Date()): ZoneGroup[] {
  const collator = new Intl.Collator(locale);
  const byOffsetThenName = (a: Described, b: Described) => a.offset - b.offset || collator.compare(a.name, b.name);
  const suggestedZones = [...new Set([...FIRST[locale], current, 'UTC'])];
  // The zone set now is listed even when this browser does not know it, by its IANA name.
  const suggested = suggestedZones.map((zone) => describe(locale, zone, at, words) ?? { zone, name: zone, offset: 0, words: zone });
  const regionOf = (zone: string) => (zone.includes('/') && REGIONS[locale].includes(zone.split('/')[0]!) ? zone.split('/')[0]! : 'other');
  const grouped = new Map<string, Map<string, Described>>();
  for (const zone of [...zones].sort()) {
    if (suggestedZones.includes(zone)) continue;
    const described = describe(locale, zone, at, words);
    if (!described) continue;
    const region = grouped.get(regionOf(zone)) ?? new Map<string, Described>();
    // Zones of a region with one name keep the same clocks: one of them is enough to choose.
    if (!region.has(described.words)) region.set(described.words, described);
    grouped.set(regionOf(zone), region);
  }
  const choices = (list: Described[]): ZoneChoice[] => list.map(({ zone, words: said }) => ({ zone, words: said }));
  return [
    { label: words.suggested, choices: choices(suggested) },
    ...[...REGIONS[locale], 'other'].filter((region) => grouped.has(region)).map((region) => ({
      label: region === 'other' ? words.other : words.region[region] ?? region,
      choices: choices([...grouped.get(region)!.values()].sort(byOffsetThenName)),
    })),
  ];
}
