import type { Observation } from '@medplum/fhirtypes';
import {
  fromObservationResource, OBSERVATION_CATEGORY, toObservationResource, type ObservationRow,
} from '../../../fhir-mappings/observation.js';
import { registerResource } from '../registry.js';

registerResource({
  type: 'Observation',
  model: (db) => db.models.Observation,
  toResource: (row) => toObservationResource(row as unknown as ObservationRow),
  fromResource: (resource) => fromObservationResource(resource as Observation),
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'create', 'update', 'delete'],
  patientColumn: 'patientId',
  patientReference: 'subject',
  writeRoles: ['admin', 'doctor', 'patient'],
  enteredInError: { status: 'entered-in-error' },
  searchParams: [
    { name: 'subject', type: 'reference', columns: ['patientId'], target: ['Patient'], documentation: 'Whose measurement' },
    { name: 'patient', type: 'reference', columns: ['patientId'], target: ['Patient'], documentation: 'Whose measurement' },
    { name: 'encounter', type: 'reference', columns: ['encounterId'], target: ['Encounter'], documentation: 'The visit it was taken in' },
    { name: 'code', type: 'token', columns: ['code'], systemColumn: 'codeSystem', documentation: 'LOINC code, system|code' },
    { name: 'category', type: 'token', columns: ['category'], system: OBSERVATION_CATEGORY, documentation: 'vital-signs | laboratory …' },
    { name: 'status', type: 'token', columns: ['status'], system: 'http://hl7.org/fhir/observation-status', documentation: 'final | amended | entered-in-error …' },
    { name: 'date', type: 'date', columns: ['effectiveAt'], documentation: 'When it was measured', sortable: true },
  ],
});
