import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { evalFhirPath, toTypedValue } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { addParameterRows, emptyLookupRows, RELATIVE_REFERENCE, type LookupRows } from '../../server/fhir/repository/index-rows.js';
import { compartmentParamsOf, indexedParametersOf } from '../../server/fhir/repository/r4-search-parameters.js';

/**
 * What the lookup rows are computed over, in the unit test that proves the fast way equal to the straightforward
 * one (test/unit/lookup-rows.test.ts) and in the bench that measures both (bench/lookup-rows.ts).
 */
export type StoredResource = Resource & { id: string };

const SYNTHEA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/synthea');

/**
 * Every entry of the Synthea Bundles, as the repository stores it: the transaction has turned each `urn:uuid:`
 * reference into `Type/id` (so compartments name the patient) and kept its id.
 */
export function syntheaResources(): StoredResource[] {
  return fs.readdirSync(SYNTHEA_DIR).filter((f) => f.endsWith('.json.gz')).sort().flatMap((file) => {
    const text = zlib.gunzipSync(fs.readFileSync(path.join(SYNTHEA_DIR, file))).toString();
    const types = new Map((JSON.parse(text) as Bundle).entry!.map((e) => [e.fullUrl!, e.resource!.resourceType]));
    const stored = text.replace(/"urn:uuid:([0-9a-f-]{36})"/g, (whole, id: string) => {
      const type = types.get(`urn:uuid:${id}`);
      return type ? `"${type}/${id}"` : whole;
    });
    return (JSON.parse(stored) as Bundle).entry!.map((e) => e.resource as StoredResource);
  });
}

/** A Patient, a blood-pressure reading and a booked follow-up as the demo hospital stores them. */
export function demoResources(): StoredResource[] {
  const patient = { reference: 'Patient/demo-patient', display: 'Alice Chen' };
  const doctor = { reference: 'Practitioner/demo-doctor', display: 'Dr Bo Li' };
  const loinc = (code: string, display: string) => ({ coding: [{ system: 'http://loinc.org', code, display }], text: display });
  const mmHg = (value: number) => ({ value, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' });
  return [
    {
      resourceType: 'Patient', id: 'demo-patient', meta: { versionId: '3', lastUpdated: '2026-11-30T09:00:00.000Z' },
      identifier: [{ system: 'https://internet-hospital.dev/mrn', value: 'MRN-0001' }], active: true,
      name: [{ use: 'official', family: 'Chen', given: ['Alice'] }], gender: 'female', birthDate: '1961-04-12',
      telecom: [{ system: 'email', value: 'alice@example.org' }, { system: 'phone', value: '+86 10 5555 0101' }],
      address: [{ line: ['12 Garden Road'], city: 'Beijing', postalCode: '100000', country: 'CN' }],
      generalPractitioner: [doctor],
    },
    {
      resourceType: 'Observation', id: 'demo-reading', meta: { versionId: '1', lastUpdated: '2026-11-30T08:00:00.000Z' },
      status: 'final', category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: loinc('85354-9', 'Blood pressure panel'), subject: patient, encounter: { reference: 'Encounter/demo-visit' },
      effectiveDateTime: '2026-11-30T07:55:00Z', device: { display: 'Omron M3' },
      component: [
        { code: loinc('8480-6', 'Systolic blood pressure'), valueQuantity: mmHg(142) },
        { code: loinc('8462-4', 'Diastolic blood pressure'), valueQuantity: mmHg(91) },
      ],
    },
    {
      resourceType: 'Appointment', id: 'demo-appointment', meta: { versionId: '2', lastUpdated: '2026-11-29T10:00:00.000Z' },
      status: 'booked', appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'FOLLOWUP' }] },
      serviceType: [{ coding: [{ system: 'https://internet-hospital.dev/visit-type', code: 'video-follow-up' }] }],
      reasonCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10' }], text: 'Hypertension' }],
      start: '2026-12-02T01:00:00Z', end: '2026-12-02T01:20:00Z', slot: [{ reference: 'Slot/demo-slot' }],
      participant: [
        { actor: patient, required: 'required', status: 'accepted' },
        { actor: doctor, required: 'required', status: 'accepted' },
      ],
    },
  ] as StoredResource[];
}

/**
 * The lookup rows the straightforward way, as index-rows.ts computed them before it skipped anything: every
 * parameter of the type evaluated on a freshly wrapped resource, and the compartment evaluated a second time.
 */
export function lookupRowsByEveryParameter(resource: StoredResource): LookupRows {
  const key = { resourceType: resource.resourceType, resourceId: resource.id };
  const rows = emptyLookupRows();
  const params = indexedParametersOf(resource.resourceType);
  for (const param of params) addParameterRows(param, toTypedValue(resource), rows, key);
  const compartment = new Set(compartmentParamsOf(resource.resourceType));
  const patients = params.filter((p) => compartment.has(p.code))
    .flatMap((p) => evalFhirPath(p.expression, resource))
    .map((value) => RELATIVE_REFERENCE.exec(typeof value === 'string' ? value : String((value as { reference?: string })?.reference)))
    .filter((match) => match?.[1] === 'Patient').map((match) => match![2]);
  rows.FhirCompartment = [...new Set(patients)].map((patientId) => ({ ...key, patientId }));
  return rows;
}
