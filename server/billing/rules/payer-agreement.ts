import { fails, qualifies, type VisitRule } from './rule-result.js';

/** Internet care is billed to a payer only under an internet-care agreement (recorded by an admin on the payer: PUT /api/billing/payers/{id}/agreement). */
export const payerAgreement: VisitRule = (facts) => {
  if (!facts.payer) return qualifies('payer-agreement', 'The patient has no active coverage: the charge is the patient\'s own.');
  return facts.payer.agreement
    ? qualifies('payer-agreement', `${facts.payer.name} has an internet-care agreement with this hospital.`)
    : fails('payer-agreement', 'payer-no-agreement', `${facts.payer.name} has no internet-care agreement with this hospital.`);
};
