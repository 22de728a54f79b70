import { fails, qualifies, type VisitRule } from './rule-result.js';

/** Online care is follow-up only (DESIGN.md; consultations/eligibility.ts): a patient not eligible is not billed. */
export const followUpEligibility: VisitRule = (facts) => (facts.eligibility.eligible
  ? qualifies('follow-up-eligibility', 'The patient is eligible for an online follow-up visit.')
  : fails('follow-up-eligibility', 'not-eligible', `The patient is not eligible for an online follow-up: ${facts.eligibility.reason}`));
