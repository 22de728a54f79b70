import type { Patient as FhirPatient } from '@medplum/fhirtypes';
import type { InferAttributes } from 'sequelize';
import type { Gender, Patient } from '../db/models/people.js';
import { compact, IssueCollector, metaOf, parseDate, requiredString } from './common.js';

export type PatientRow = InferAttributes<Patient>;
export type PatientFields = Omit<PatientRow, 'id' | 'versionId' | 'createdAt' | 'updatedAt'>;

const GENDERS: Gender[] = ['male', 'female', 'other', 'unknown'];
/** Core extension for a person's IANA time zone (hl7.org/fhir/extensions, tz-code). */
export const TIME_ZONE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/tz-code';

export function toPatientResource(row: PatientRow): FhirPatient {
  const telecom = [
    ...(row.phone ? [{ system: 'phone' as const, value: row.phone }] : []),
    ...(row.email ? [{ system: 'email' as const, value: row.email }] : []),
  ];
  return compact({
    resourceType: 'Patient' as const,
    id: row.id,
    meta: metaOf(row),
    extension: row.timeZone ? [{ url: TIME_ZONE_EXTENSION, valueCode: row.timeZone }] : undefined,
    name: [{ use: 'official' as const, family: row.familyName, given: [row.givenName] }],
    telecom: telecom.length ? telecom : undefined,
    gender: row.gender,
    birthDate: row.birthDate ?? undefined,
  });
}

export function fromPatientResource(resource: FhirPatient): PatientFields {
  const issues = new IssueCollector();
  const name = resource.name?.find((n) => n.use === 'official') ?? resource.name?.[0];
  const familyName = requiredString(name?.family, 'Patient.name[0].family', issues, 100);
  const givenName = requiredString(name?.given?.[0], 'Patient.name[0].given[0]', issues, 100);
  const gender = resource.gender ?? 'unknown';
  if (!GENDERS.includes(gender)) issues.add('Patient.gender', `must be one of ${GENDERS.join(', ')}`);
  const birthDate = parseDate(resource.birthDate, 'Patient.birthDate', issues);
  const timeZone = resource.extension?.find((e) => e.url === TIME_ZONE_EXTENSION)?.valueCode ?? 'UTC';
  issues.throwIfAny();
  return {
    familyName, givenName, gender, birthDate, timeZone,
    phone: resource.telecom?.find((t) => t.system === 'phone')?.value ?? null,
    email: resource.telecom?.find((t) => t.system === 'email')?.value ?? null,
  };
}
