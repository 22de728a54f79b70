import type { Coverage } from '@medplum/fhirtypes';
import { fromCoverageResource, toCoverageResource, type CoverageRow } from '../../../fhir-mappings/coverage.js';
import { registerResource } from '../registry.js';

registerResource({
  type: 'Coverage',
  model: (db) => db.models.Coverage,
  toResource: (row) => toCoverageResource(row as unknown as CoverageRow),
  fromResource: (resource) => fromCoverageResource(resource as Coverage),
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'create', 'update', 'delete'],
  patientColumn: 'patientId',
  patientReference: 'beneficiary',
  writeRoles: ['admin', 'insurer'],
  enteredInError: { status: 'entered-in-error' },
  searchParams: [
    { name: 'beneficiary', type: 'reference', columns: ['patientId'], target: ['Patient'], documentation: 'The covered patient' },
    { name: 'patient', type: 'reference', columns: ['patientId'], target: ['Patient'], documentation: 'The covered patient' },
    { name: 'payor', type: 'reference', columns: ['payorId'], target: ['Organization'], documentation: 'The insurer' },
    { name: 'status', type: 'token', columns: ['status'], system: 'http://hl7.org/fhir/fm-status', documentation: 'active | cancelled | draft | entered-in-error' },
  ],
});
