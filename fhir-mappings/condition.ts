import type { Condition as FhirCondition } from '@medplum/fhirtypes';
import type { InferAttributes } from 'sequelize';
import type { Condition, ConditionClinicalStatus, ConditionVerificationStatus } from '../db/models/clinical.js';
import {
  compact, instant, IssueCollector, metaOf, originIdentifier, oneOf, parseDate, parseDateTime, reference, referencedId, requiredString,
} from './common.js';

export type ConditionRow = InferAttributes<Condition>;
export type ConditionFields = Omit<ConditionRow, 'id' | 'versionId' | 'createdAt' | 'updatedAt' | 'source' | 'sourceId'>;

export const CLINICAL_STATUS = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const VERIFICATION_STATUS = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const CLINICAL: ConditionClinicalStatus[] = ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'];
const VERIFICATION: ConditionVerificationStatus[] =
  ['unconfirmed', 'provisional', 'differential', 'confirmed', 'refuted', 'entered-in-error'];

export function toConditionResource(row: ConditionRow): FhirCondition {
  const enteredInError = row.verificationStatus === 'entered-in-error';
  return compact({
    resourceType: 'Condition' as const,
    id: row.id,
    meta: metaOf(row, row.source),
    identifier: originIdentifier('Condition', row),
    // con-5: a Condition entered in error carries no clinicalStatus.
    clinicalStatus: enteredInError ? undefined : { coding: [{ system: CLINICAL_STATUS, code: row.clinicalStatus }] },
    verificationStatus: { coding: [{ system: VERIFICATION_STATUS, code: row.verificationStatus }] },
    code: { coding: [{ system: row.codeSystem, code: row.code, display: row.display }], text: row.display },
    subject: reference('Patient', row.patientId)!,
    encounter: reference('Encounter', row.encounterId),
    onsetDateTime: row.onsetDate ?? undefined,
    recordedDate: instant(row.recordedAt),
    recorder: reference('Practitioner', row.recorderId),
  });
}

export function fromConditionResource(resource: FhirCondition, now: Date): ConditionFields {
  const issues = new IssueCollector();
  const coding = resource.code?.coding?.[0];
  const codeSystem = requiredString(coding?.system, 'Condition.code.coding[0].system', issues, 128);
  const code = requiredString(coding?.code, 'Condition.code.coding[0].code', issues, 32);
  const verificationStatus = oneOf(resource.verificationStatus?.coding?.[0]?.code ?? 'confirmed', VERIFICATION,
    'Condition.verificationStatus.coding[0].code', issues);
  const clinicalStatus = resource.clinicalStatus
    ? oneOf(resource.clinicalStatus.coding?.[0]?.code, CLINICAL, 'Condition.clinicalStatus.coding[0].code', issues)
    : 'inactive';
  const onset = resource.onsetDateTime ? parseDate(resource.onsetDateTime.slice(0, 10), 'Condition.onsetDateTime', issues) : null;
  const recordedAt = resource.recordedDate ? parseDateTime(resource.recordedDate, 'Condition.recordedDate', issues) : now;
  const fields = {
    patientId: referencedId(resource.subject, 'Patient', 'Condition.subject', issues)!,
    encounterId: referencedId(resource.encounter, 'Encounter', 'Condition.encounter', issues, false),
    recorderId: referencedId(resource.recorder, 'Practitioner', 'Condition.recorder', issues, false),
    codeSystem, code, display: coding?.display ?? resource.code?.text ?? code,
    clinicalStatus: clinicalStatus!, verificationStatus: verificationStatus!, onsetDate: onset, recordedAt: recordedAt!,
  };
  issues.throwIfAny();
  return fields;
}
