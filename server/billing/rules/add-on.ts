import type { CatalogueEntry } from '../catalogue.js';
import { fails, qualifies, type RuleResult } from './rule-result.js';

/** An add-on code (the catalogue's `addOnTo`, e.g. 99458 to 99457) is billed only beside its billable primary code. */
export function addOnWithPrimary(entry: CatalogueEntry, primary: { code: string; billable: boolean }): RuleResult {
  return primary.billable
    ? qualifies('add-on', `${entry.code} is billed as an add-on to ${primary.code}, which is billable.`)
    : fails('add-on', 'add-on-without-primary', `${entry.code} is an add-on to ${primary.code}, which is not billable for this period.`);
}
