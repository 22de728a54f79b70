import type { CatalogueEntry } from '../catalogue.js';
import { fails, qualifies, type RuleResult } from './rule-result.js';

/** Whether the catalogue says two codes are not billed together (either one's `excludes` names the other). */
export const excludeEachOther = (a: CatalogueEntry, b: CatalogueEntry) =>
  a.code !== b.code && (a.excludes.includes(b.code) || b.excludes.includes(a.code));

/**
 * Two codes that exclude each other (the catalogue's `excludes`, e.g. a virtual check-in that led to a visit the
 * same day, or 99454 and 99445 in one 30-day window) are not both billed: the code already billable wins.
 */
export function mutuallyExclusive(entry: CatalogueEntry, billableInPeriod: CatalogueEntry[]): RuleResult {
  const clash = billableInPeriod.find((other) => excludeEachOther(entry, other));
  return clash
    ? fails('mutually-exclusive', 'mutually-exclusive', `${entry.code} and ${clash.code} are not billed together in one period, and ${clash.code} is billed.`)
    : qualifies('mutually-exclusive', `No code billed in the same period excludes ${entry.code}.`);
}
