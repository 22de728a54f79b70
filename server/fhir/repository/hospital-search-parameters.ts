import type { SearchParameter } from '@medplum/fhirtypes';

/**
 * Search parameters of our own, indexed beside the official R4 ones (r4-search-parameters.ts), where R4 has none
 * for a search the product promises: insurers query billing by status, service date, code and provider
 * (DESIGN.md "Insurance-billable service codes"; docs/billing.md "What insurers see"). The codes follow CARIN
 * Blue Button's `service-date` and R4's `code`/`provider` spelling, so a client written for those works.
 * The two link parameters (`charge-item`, `supporting-information`) let the access rule find a claim's evidence
 * with indexed lookups (auth/care-relationship.ts).
 */
const BASE = 'https://internet-hospital.dev/fhir/SearchParameter';
export const CHARGE_ITEM_LINK = 'https://internet-hospital.dev/fhir/StructureDefinition/charge-item';

function parameter(base: string, code: string, type: SearchParameter['type'], expression: string, description: string,
  target?: string[]): SearchParameter {
  return {
    resourceType: 'SearchParameter', url: `${BASE}/${base}-${code}`, name: `${base}-${code}`, status: 'active', code,
    base: [base] as SearchParameter['base'], type, expression, description, ...(target ? { target: target as SearchParameter['target'] } : {}),
  };
}

export const HOSPITAL_SEARCH_PARAMETERS: readonly SearchParameter[] = [
  parameter('ChargeItem', 'status', 'token', 'ChargeItem.status', 'billable | not-billable | entered-in-error …'),
  parameter('ChargeItem', 'service-date', 'date', 'ChargeItem.occurrence', 'When the charged service was given (date or period)'),
  parameter('ChargeItem', 'provider', 'reference', 'ChargeItem.performer.actor', 'Who gave the service', ['Practitioner', 'Organization']),
  parameter('ChargeItem', 'supporting-information', 'reference', 'ChargeItem.supportingInformation', 'The evidence of the charge', ['Resource' as never]),
  parameter('Claim', 'service-date', 'date', 'Claim.item.serviced', 'When a service of the claim was given'),
  parameter('Claim', 'code', 'token', 'Claim.item.productOrService', 'The service code of an item'),
  parameter('Claim', 'coverage', 'reference', 'Claim.insurance.coverage', 'The coverage the claim is made under', ['Coverage']),
  parameter('Claim', 'charge-item', 'reference', `Claim.item.extension.where(url = '${CHARGE_ITEM_LINK}').value`, 'The charge an item bills', ['ChargeItem']),
  parameter('ExplanationOfBenefit', 'service-date', 'date', 'ExplanationOfBenefit.item.serviced | ExplanationOfBenefit.billablePeriod',
    'When a service of the explanation was given'),
  parameter('ExplanationOfBenefit', 'code', 'token', 'ExplanationOfBenefit.item.productOrService', 'The service code of an item'),
];
