import type { CatalogueEntry } from '../catalogue.js';
import type { VisitFacts } from '../visit-facts.js';

/** The version of the rules below; a charge records the one that decided it (bump it when a rule changes). */
export const RULE_VERSION = '2026.12.1';

export const REASON_SYSTEM = 'https://internet-hospital.dev/fhir/CodeSystem/billing-reason';

export type ReasonCode =
  | 'qualifies' | 'minutes-below-minimum' | 'cancelled' | 'no-show' | 'no-signed-note' | 'not-eligible' | 'duplicate'
  | 'consent-missing' | 'mutually-exclusive' | 'claimed-minutes-above-connected' | 'payer-no-agreement'
  | 'not-real-time' | 'not-patient-initiated' | 'add-on-without-primary';

/** What one rule decided about one charge: `qualifies`, or the reason it is not billable, in a plain sentence. */
export interface RuleResult {
  rule: string;
  code: ReasonCode;
  display: string;
}

/** A rule about one code for one visit: pure, given the visit's facts, the code's entry and the minutes billed. */
export type VisitRule = (facts: VisitFacts, entry: CatalogueEntry, minutes: number) => RuleResult;

export const qualifies = (rule: string, display: string): RuleResult => ({ rule, code: 'qualifies', display });
export const fails = (rule: string, code: Exclude<ReasonCode, 'qualifies'>, display: string): RuleResult => ({ rule, code, display });
export const isBillable = (results: RuleResult[]) => results.every((r) => r.code === 'qualifies');
