import type { Observation as FhirObservation, ObservationComponent as FhirComponent, Quantity } from '@medplum/fhirtypes';
import type { InferAttributes } from 'sequelize';
import type { Observation, ObservationComponent, ObservationStatus } from '../db/models/observation.js';
import {
  compact, instant, IssueCollector, metaOf, originIdentifier, oneOf, parseDateTime, parseJsonArray, reference, referencedId, requiredString,
} from './common.js';

export type ObservationRow = InferAttributes<Observation>;
export type ObservationFields = Omit<ObservationRow,
  'id' | 'versionId' | 'createdAt' | 'updatedAt' | 'source' | 'sourceId' | 'entryMethod' | 'diagnosticReportId'>;

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const STATUSES: ObservationStatus[] = ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error'];

const quantity = (value: number, unit: string | null): Quantity =>
  compact({ value, unit: unit ?? undefined, system: unit ? UCUM : undefined, code: unit ?? undefined });

export function toObservationResource(row: ObservationRow): FhirObservation {
  const components = parseJsonArray<ObservationComponent>(row.components);
  return compact({
    resourceType: 'Observation' as const,
    id: row.id,
    meta: metaOf(row, row.source),
    identifier: originIdentifier('Observation', row),
    status: row.status,
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: row.category }] }],
    code: { coding: [{ system: row.codeSystem, code: row.code, display: row.display }], text: row.display },
    subject: reference('Patient', row.patientId),
    encounter: reference('Encounter', row.encounterId),
    effectiveDateTime: instant(row.effectiveAt),
    valueQuantity: row.valueNumber === null || row.valueNumber === undefined ? undefined : quantity(row.valueNumber, row.valueUnit),
    device: row.deviceName ? { display: row.deviceName } : undefined,
    component: components.length
      ? components.map((c): FhirComponent => ({
        code: { coding: [{ system: LOINC, code: c.code, display: c.display }] },
        valueQuantity: quantity(c.value, c.unit),
      }))
      : undefined,
  });
}

/**
 * The measured components (a blood pressure's systolic and diastolic), for the thresholds and the /api views. A
 * component valued otherwise (a survey's coded answer, a text) is the stored resource's alone.
 */
function componentsOf(resource: FhirObservation, issues: IssueCollector): ObservationComponent[] {
  return (resource.component ?? []).flatMap((c, i) => {
    const value = c.valueQuantity?.value;
    if (typeof value !== 'number') return [];
    const coding = c.code?.coding?.[0];
    return [{
      code: requiredString(coding?.code, `Observation.component[${i}].code.coding[0].code`, issues, 32),
      display: coding?.display ?? c.code?.text ?? coding?.code ?? '',
      value,
      unit: c.valueQuantity?.code ?? c.valueQuantity?.unit ?? '',
    }];
  });
}

export function fromObservationResource(resource: FhirObservation): ObservationFields {
  const issues = new IssueCollector();
  const status = oneOf(resource.status, STATUSES, 'Observation.status', issues);
  const coding = resource.code?.coding?.[0];
  const codeSystem = requiredString(coding?.system, 'Observation.code.coding[0].system', issues, 128);
  const code = requiredString(coding?.code, 'Observation.code.coding[0].code', issues, 32);
  const category = resource.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === OBSERVATION_CATEGORY)?.code
    ?? resource.category?.[0]?.coding?.[0]?.code ?? 'vital-signs';
  const effectiveAt = parseDateTime(resource.effectiveDateTime ?? resource.effectiveInstant, 'Observation.effectiveDateTime', issues);
  if (resource.valueQuantity && typeof resource.valueQuantity.value !== 'number') {
    issues.add('Observation.valueQuantity.value', 'must be a number');
  }
  const components = componentsOf(resource, issues);
  const fields = {
    status: status!, codeSystem, code, display: coding?.display ?? resource.code?.text ?? code, category,
    patientId: referencedId(resource.subject, 'Patient', 'Observation.subject', issues)!,
    encounterId: referencedId(resource.encounter, 'Encounter', 'Observation.encounter', issues, false),
    effectiveAt: effectiveAt!,
    valueNumber: resource.valueQuantity?.value ?? null,
    valueUnit: resource.valueQuantity?.code ?? resource.valueQuantity?.unit ?? null,
    components: components.length ? JSON.stringify(components) : null,
    deviceName: resource.device?.display ?? null,
  };
  issues.throwIfAny();
  return fields;
}
