import type { Config } from '../config.js';
import type { Catalogue, CatalogueEntry } from './catalogue.js';
import { familyOf } from './decide-visit-charges.js';
import type { RuleResult } from './rules/rule-result.js';
import type { VisitFacts } from './visit-facts.js';

/** What the rules decided about one period code of one patient (remote monitoring, e-visits), before duplicates. */
export interface PeriodDecision {
  patientId: string;
  practitionerId: string;
  entry: CatalogueEntry;
  start: Date;
  end: Date;
  reasons: RuleResult[];
  inputs: Record<string, unknown>;
  minutes: number | null;
  /** Period codes add a third: 'interactive-time', a month's minutes from more than video (interactive-time.ts). */
  minutesSource?: VisitFacts['minutesSource'] | 'interactive-time';
  /** Units billed (99458: one per further 20 minutes); 1 when absent. */
  quantity?: number;
  /** An add-on's primary code, decided in the same run and written before it. */
  addOnTo?: string;
  evidence: string[];
}

export const DAY = 86_400_000;
export const isoDate = (d: Date) => d.toISOString().slice(0, 10);

/** The identifier value of a period charge (docs/billing.md "The contract"). */
export const periodChargeIdentifier = (patientId: string, code: string, start: Date) => `${patientId}:${code}:${isoDate(start)}`;

export const family = (catalogue: Catalogue, category: CatalogueEntry['category'], config: Pick<Config, 'billing'>, date: string) =>
  familyOf(catalogue, category, config.billing.jurisdiction, date);

/** The facts the shared rules read, for a patient outside any visit. */
export const periodFacts = (patientId: string, practitionerId: string, consentOnFile: boolean, payer: VisitFacts['payer']): VisitFacts => ({
  encounterId: '', patientId, practitionerId, appointmentId: null, visitStatus: 'finished', appointmentStatus: null, markedNoShow: false,
  occurredAt: '', serviceDate: '', contactMode: 'video', connectedMinutes: 0, documentedMinutes: null, minutesSource: 'video-session', note: null,
  eligibility: { eligible: true, reason: null, conditionId: null }, establishedPatient: true, consentOnFile, payer,
  prescriptionLineIds: [], readingIds: [],
});
