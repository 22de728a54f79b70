import type { Practitioner as FhirPractitioner, PractitionerRole as FhirPractitionerRole } from '@medplum/fhirtypes';
import type { InferAttributes } from 'sequelize';
import type { Practitioner } from '../db/models/people.js';
import { compact, IssueCollector, metaOf, reference, requiredString } from './common.js';

export type PractitionerRow = InferAttributes<Practitioner>;

export const SNOMED = 'http://snomed.info/sct';

export function toPractitionerResource(row: PractitionerRow): FhirPractitioner {
  return {
    resourceType: 'Practitioner',
    id: row.id,
    meta: metaOf(row),
    active: true,
    name: [{ use: 'official', family: row.familyName, given: [row.givenName] }],
  };
}

/** Only the name is the Practitioner's own; the organization and specialty belong to its PractitionerRole. */
export function fromPractitionerResource(resource: FhirPractitioner): Pick<PractitionerRow, 'familyName' | 'givenName'> {
  const issues = new IssueCollector();
  const name = resource.name?.find((n) => n.use === 'official') ?? resource.name?.[0];
  const familyName = requiredString(name?.family, 'Practitioner.name[0].family', issues, 100);
  const givenName = requiredString(name?.given?.[0], 'Practitioner.name[0].given[0]', issues, 100);
  issues.throwIfAny();
  return { familyName, givenName };
}

/**
 * Each practitioner works in one role at one organization, so the PractitionerRole is derived from the
 * practitioner row and shares its id and version.
 */
export function toPractitionerRoleResource(row: PractitionerRow): FhirPractitionerRole {
  return compact({
    resourceType: 'PractitionerRole' as const,
    id: row.id,
    meta: metaOf(row),
    active: true,
    practitioner: reference('Practitioner', row.id, `${row.givenName} ${row.familyName}`),
    organization: reference('Organization', row.organizationId),
    specialty: row.specialtyCode
      ? [{ coding: [compact({ system: SNOMED, code: row.specialtyCode, display: row.specialtyDisplay ?? undefined })] }]
      : undefined,
  });
}
