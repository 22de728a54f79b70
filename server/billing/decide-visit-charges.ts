import type { Catalogue, CatalogueEntry, Category } from './catalogue.js';
import { claimedMinutes } from './rules/claimed-minutes.js';
import { consent } from './rules/consent.js';
import { establishedPatient } from './rules/established-patient.js';
import { followUpEligibility } from './rules/follow-up-eligibility.js';
import { minutesMinimum } from './rules/minutes-minimum.js';
import { mutuallyExclusive } from './rules/mutually-exclusive.js';
import { payerAgreement } from './rules/payer-agreement.js';
import { realTimeContact } from './rules/real-time-contact.js';
import { isBillable, qualifies, type RuleResult, type VisitRule } from './rules/rule-result.js';
import { signedNote } from './rules/signed-note.js';
import { levelOf, withinABand } from './rules/time-band.js';
import { visitStatus } from './rules/visit-status.js';
import { billedMinutes, type VisitFacts } from './visit-facts.js';

/** What the rules decided about one code of one visit, before the database decides duplicates. */
export interface ChargeDecision {
  entry: CatalogueEntry;
  billable: boolean;
  reasons: RuleResult[];
  minutes: number;
  modifiers: CatalogueEntry[];
  placeOfService: CatalogueEntry | null;
}

/** The rules every visit code goes through, in the order their reasons are listed. */
const VISIT_RULES: VisitRule[] = [
  visitStatus, signedNote, followUpEligibility, establishedPatient, realTimeContact, minutesMinimum, claimedMinutes, consent, payerAgreement,
];

/** Whether an entry applies on a date in this node's jurisdiction (an entry for CN-GD applies in CN). */
export const appliesOn = (entry: CatalogueEntry, jurisdiction: string, date: string) =>
  (entry.jurisdiction === jurisdiction || entry.jurisdiction.startsWith(`${jurisdiction}-`))
  && entry.validFrom <= date && (entry.validTo === null || date <= entry.validTo);

export const familyOf = (catalogue: Catalogue, category: Category, jurisdiction: string, date: string) =>
  catalogue.entries.filter((e) => e.category === category && appliesOn(e, jurisdiction, date));

/** The E/M levels a visit is billed from (US): new or established by the patient's history, as the catalogue has them. */
export function emFamilyOf(facts: VisitFacts, catalogue: Catalogue, jurisdiction: string): CatalogueEntry[] {
  const preferred = familyOf(catalogue, facts.establishedPatient ? 'em-established' : 'em-new', jurisdiction, facts.serviceDate);
  return preferred.length ? preferred : familyOf(catalogue, 'em-established', jurisdiction, facts.serviceDate);
}

const MODIFIER_OF = { video: '95', 'audio-only': '93', chat: null } as const;
/** The patient joins from home in this service (CMS place of service 10; 02 is telehealth elsewhere). */
const PLACE_OF_SERVICE = '10';

/**
 * The codes of a finished visit (US): its E/M level for a new or established patient, always, and a virtual
 * check-in when the minutes fall in its bands (billable only when no E/M excludes it). China: the internet
 * follow-up item. `chosenCode` is the doctor's lower level of the E/M (a higher one is a 422, in levelOf).
 */
export function decideVisitCharges(facts: VisitFacts, catalogue: Catalogue, options: {
  /** Codes already billable for this patient with this doctor on the visit's date (other visits). */
  jurisdiction: string; chosenCode?: string; billableThatDay: string[];
}): ChargeDecision[] {
  const { jurisdiction, chosenCode } = options;
  const date = facts.serviceDate;
  const minutes = billedMinutes(facts);
  const candidates: Array<{ entry: CatalogueEntry; note?: RuleResult }> = [];
  if (jurisdiction === 'CN') {
    for (const entry of familyOf(catalogue, 'internet-follow-up', jurisdiction, date)) candidates.push({ entry });
  } else {
    const emFamily = emFamilyOf(facts, catalogue, jurisdiction);
    if (emFamily.length) {
      const reached = levelOf(emFamily, minutes);
      const entry = levelOf(emFamily, minutes, chosenCode);
      const note = entry.code === reached.code ? undefined
        : qualifies('doctor-chosen-level', `The doctor chose ${entry.code}, below the ${reached.code} that ${minutes} min reach.`);
      candidates.push({ entry, note });
    }
    const checkIns = familyOf(catalogue, 'virtual-check-in', jurisdiction, date);
    if (checkIns.length && withinABand(checkIns, minutes)) candidates.push({ entry: levelOf(checkIns, minutes) });
  }
  const modifierCode = jurisdiction === 'CN' ? null : MODIFIER_OF[facts.contactMode];
  const modifiers = catalogue.entries.filter((e) => e.category === 'modifier' && e.code === modifierCode && appliesOn(e, jurisdiction, date));
  const placeOfService = jurisdiction === 'CN' ? null
    : catalogue.entries.find((e) => e.category === 'place-of-service' && e.code === PLACE_OF_SERVICE && appliesOn(e, jurisdiction, date)) ?? null;
  // A code billed that day that the catalogue no longer lists excludes nothing.
  const billable = options.billableThatDay.flatMap((code) => catalogue.entries.filter((e) => e.code === code));
  return candidates.map(({ entry, note }) => {
    const reasons = VISIT_RULES.map((rule) => rule(facts, entry, minutes));
    if (note) reasons.push(note);
    if (isBillable(reasons)) reasons.push(mutuallyExclusive(entry, billable));
    if (isBillable(reasons)) billable.push(entry);
    return { entry, billable: isBillable(reasons), reasons, minutes, modifiers, placeOfService };
  });
}
