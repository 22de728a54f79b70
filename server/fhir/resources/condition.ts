import type { Condition } from '@medplum/fhirtypes';
import { CLINICAL_STATUS, fromConditionResource, toConditionResource, type ConditionRow } from '../../../fhir-mappings/condition.js';
import { registerResource } from '../registry.js';

registerResource({
  type: 'Condition',
  model: (db) => db.models.Condition,
  toResource: (row) => toConditionResource(row as unknown as ConditionRow),
  fromResource: (resource, now) => fromConditionResource(resource as Condition, now),
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'create', 'update', 'delete'],
  patientColumn: 'patientId',
  patientReference: 'subject',
  writeRoles: ['admin', 'doctor'],
  enteredInError: { verificationStatus: 'entered-in-error' },
  searchParams: [
    { name: 'subject', type: 'reference', columns: ['patientId'], target: ['Patient'], documentation: 'Who has the condition' },
    { name: 'patient', type: 'reference', columns: ['patientId'], target: ['Patient'], documentation: 'Who has the condition' },
    { name: 'encounter', type: 'reference', columns: ['encounterId'], target: ['Encounter'], documentation: 'The visit it was recorded in' },
    { name: 'code', type: 'token', columns: ['code'], systemColumn: 'codeSystem', documentation: 'ICD-10 (or other) code, system|code' },
    { name: 'clinical-status', type: 'token', columns: ['clinicalStatus'], system: CLINICAL_STATUS, documentation: 'active | inactive | resolved …' },
    { name: 'recorded-date', type: 'date', columns: ['recordedAt'], documentation: 'When it was recorded', sortable: true },
  ],
});
