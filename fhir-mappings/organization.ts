import type { Organization as FhirOrganization } from '@medplum/fhirtypes';
import type { InferAttributes } from 'sequelize';
import type { Organization, OrganizationKind } from '../db/models/people.js';
import { compact, IssueCollector, metaOf, requiredString } from './common.js';

export type OrganizationRow = InferAttributes<Organization>;
export type OrganizationFields = Pick<OrganizationRow, 'name' | 'kind' | 'identifier'> & { internetCareAgreement?: boolean };
/** A payer's internet-care agreement with this hospital (docs/billing.md "Payers"), valueBoolean. */
export const INTERNET_CARE_AGREEMENT = 'https://internet-hospital.dev/fhir/StructureDefinition/internet-care-agreement';

export const ORGANIZATION_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';
/** Our own finer kind (the R4 organization-type has no "pharmacy"). */
export const ORGANIZATION_KIND = 'urn:internet-hospital:organization-kind';
export const ORGANIZATION_IDENTIFIER = 'urn:internet-hospital:organization-identifier';

const R4_TYPE: Record<OrganizationKind, string> = { hospital: 'prov', payer: 'pay', pharmacy: 'prov' };
const KINDS: OrganizationKind[] = ['hospital', 'payer', 'pharmacy'];

export function toOrganizationResource(row: OrganizationRow): FhirOrganization {
  return compact({
    resourceType: 'Organization' as const,
    id: row.id,
    meta: metaOf(row),
    extension: row.kind === 'payer' ? [{ url: INTERNET_CARE_AGREEMENT, valueBoolean: Boolean(row.internetCareAgreement) }] : undefined,
    identifier: row.identifier ? [{ system: ORGANIZATION_IDENTIFIER, value: row.identifier }] : undefined,
    active: true,
    type: [{ coding: [{ system: ORGANIZATION_TYPE, code: R4_TYPE[row.kind] }, { system: ORGANIZATION_KIND, code: row.kind }] }],
    name: row.name,
  });
}

export function fromOrganizationResource(resource: FhirOrganization): OrganizationFields {
  const issues = new IssueCollector();
  const name = requiredString(resource.name, 'Organization.name', issues);
  const codings = resource.type?.flatMap((t) => t.coding ?? []) ?? [];
  const own = codings.find((c) => c.system === ORGANIZATION_KIND)?.code;
  const r4 = codings.find((c) => c.system === ORGANIZATION_TYPE)?.code;
  const kind = (own ?? (r4 === 'pay' || r4 === 'ins' ? 'payer' : 'hospital')) as OrganizationKind;
  if (!KINDS.includes(kind)) issues.add('Organization.type', `our kind must be one of ${KINDS.join(', ')}`);
  const identifier = resource.identifier?.find((i) => i.system === ORGANIZATION_IDENTIFIER)?.value ?? null;
  issues.throwIfAny();
  const agreement = resource.extension?.find((e) => e.url === INTERNET_CARE_AGREEMENT)?.valueBoolean;
  return { name, kind, identifier, ...(agreement !== undefined ? { internetCareAgreement: agreement } : {}) };
}
