import { fails, qualifies, type VisitRule } from './rule-result.js';

/** Codes that need the patient's consent (CMS requires it for remote monitoring) are billed only with it on file. */
export const consent: VisitRule = (facts, entry) => {
  if (!entry.consentRequired) return qualifies('consent', `${entry.code} needs no separate consent.`);
  return facts.consentOnFile
    ? qualifies('consent', 'The patient agreed to home monitoring (an active monitoring care plan).')
    : fails('consent', 'consent-missing', `${entry.code} needs the patient's consent, and none is on file.`);
};
