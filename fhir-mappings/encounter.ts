import type { Encounter as FhirEncounter } from '@medplum/fhirtypes';
import type { InferAttributes } from 'sequelize';
import type { Encounter, EncounterClass, EncounterStatus } from '../db/models/clinical.js';
import {
  compact, IssueCollector, metaOf, originIdentifier, oneOf, optionalInstant, parseDateTime, reference, referencedId,
} from './common.js';

export type EncounterRow = InferAttributes<Encounter>;
export type EncounterFields = Omit<EncounterRow, 'id' | 'versionId' | 'createdAt' | 'updatedAt' | 'source' | 'sourceId' | 'appointmentId'>;

export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const CLASS_DISPLAY: Record<EncounterClass, string> = {
  AMB: 'ambulatory', EMER: 'emergency', FLD: 'field', HH: 'home health', IMP: 'inpatient encounter', ACUTE: 'inpatient acute',
  NONAC: 'inpatient non-acute', OBSENC: 'observation encounter', PRENC: 'pre-admission', SS: 'short stay', VR: 'virtual',
};
const CLASSES = Object.keys(CLASS_DISPLAY) as EncounterClass[];
const STATUSES: EncounterStatus[] = ['planned', 'arrived', 'in-progress', 'finished', 'cancelled', 'entered-in-error'];

export function toEncounterResource(row: EncounterRow): FhirEncounter {
  const period = compact({ start: optionalInstant(row.periodStart), end: optionalInstant(row.periodEnd) });
  return compact({
    resourceType: 'Encounter' as const,
    id: row.id,
    meta: metaOf(row, row.source),
    identifier: originIdentifier('Encounter', row),
    status: row.status,
    class: { system: ACT_CODE, code: row.encounterClass, display: CLASS_DISPLAY[row.encounterClass] },
    subject: reference('Patient', row.patientId),
    participant: row.practitionerId ? [{ individual: reference('Practitioner', row.practitionerId) }] : undefined,
    appointment: row.appointmentId ? [reference('Appointment', row.appointmentId)!] : undefined,
    period: Object.keys(period).length ? period : undefined,
    serviceProvider: reference('Organization', row.organizationId),
  });
}

export function fromEncounterResource(resource: FhirEncounter): EncounterFields {
  const issues = new IssueCollector();
  const status = oneOf(resource.status, STATUSES, 'Encounter.status', issues);
  const encounterClass = oneOf(resource.class?.code, CLASSES, 'Encounter.class.code', issues);
  const fields = {
    status: status!, encounterClass: encounterClass!,
    patientId: referencedId(resource.subject, 'Patient', 'Encounter.subject', issues)!,
    practitionerId: referencedId(resource.participant?.[0]?.individual, 'Practitioner', 'Encounter.participant[0].individual', issues, false),
    organizationId: referencedId(resource.serviceProvider, 'Organization', 'Encounter.serviceProvider', issues, false),
    periodStart: resource.period?.start ? parseDateTime(resource.period.start, 'Encounter.period.start', issues) : null,
    periodEnd: resource.period?.end ? parseDateTime(resource.period.end, 'Encounter.period.end', issues) : null,
  };
  issues.throwIfAny();
  return fields;
}
