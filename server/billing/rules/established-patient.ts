import { fails, qualifies, type VisitRule } from './rule-result.js';

/**
 * Codes for established patients only (virtual check-ins, e-visits) or new patients only: CMS counts a patient
 * as established after a professional service from this practice within the past three years.
 */
export const establishedPatient: VisitRule = (facts, entry) => {
  if (entry.establishedPatient === null || entry.establishedPatient === facts.establishedPatient) {
    return qualifies('established-patient', facts.establishedPatient
      ? 'The patient was seen here in the past three years (established).'
      : 'The patient was not seen here in the past three years (new).');
  }
  return fails('established-patient', 'not-eligible', entry.establishedPatient
    ? `${entry.code} is for established patients; this patient was not seen here in the past three years.`
    : `${entry.code} is for new patients; this patient was seen here in the past three years.`);
};
