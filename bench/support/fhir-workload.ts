/**
 * The FHIR workload of issue 12, the same for every server: Patients (a domain type here) and RelatedPersons
 * (a repository-served type of the same shape: name, gender, birth date, telecom, address), named from a fixed
 * list of family names so that `?name=` matches the same share of rows on every server and at every size.
 */
import type { Patient, RelatedPerson } from '@medplum/fhirtypes';

export const FAMILIES = Array.from({ length: 200 }, (_, i) => `Family${String(i).padStart(3, '0')}x`);
const GIVEN = ['Ana', 'Ben', 'Chloe', 'Dev', 'Eun', 'Femi', 'Gus', 'Hana', 'Ivo', 'Jia'];

const person = (i: number) => ({
  name: [{ family: FAMILIES[i % FAMILIES.length], given: [`${GIVEN[i % GIVEN.length]}${i}`] }],
  gender: i % 2 ? 'female' as const : 'male' as const,
  birthDate: `19${String(40 + (i % 60)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`,
  telecom: [{ system: 'phone' as const, value: `+44 20 7946 ${String(i % 10000).padStart(4, '0')}` }],
  address: [{ line: [`${1 + (i % 300)} High Street`], city: 'Leeds', postalCode: `LS${1 + (i % 28)} 1AA`, country: 'GB' }],
});

export function patientOf(i: number): Patient {
  return { resourceType: 'Patient', ...person(i) };
}

/** A RelatedPerson of `patientId` (the patient every seeded one belongs to, in the bench doctor's care). */
export function relatedPersonOf(i: number, patientId: string): RelatedPerson {
  return {
    resourceType: 'RelatedPerson', active: true, patient: { reference: `Patient/${patientId}` },
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'WIFE' }] }],
    ...person(i),
  };
}

export type WorkloadType = 'Patient' | 'RelatedPerson';

/** A search `?name=` cycles through these (one family name in 200: 5 at 1,000 rows, 500 at 100,000). */
export const namePaths = (type: WorkloadType) => FAMILIES.slice(0, 50).map((family) => `/fhir/${type}?name=${family}&_count=20`);
