import type { Encounter } from '@medplum/fhirtypes';
import { ACT_CODE, fromEncounterResource, toEncounterResource, type EncounterRow } from '../../../fhir-mappings/encounter.js';
import { registerResource } from '../registry.js';

registerResource({
  type: 'Encounter',
  model: (db) => db.models.Encounter,
  toResource: (row) => toEncounterResource(row as unknown as EncounterRow),
  fromResource: (resource) => fromEncounterResource(resource as Encounter),
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'create', 'update', 'delete'],
  patientColumn: 'patientId',
  patientReference: 'subject',
  writeRoles: ['admin', 'doctor'],
  enteredInError: { status: 'entered-in-error' },
  searchParams: [
    { name: 'subject', type: 'reference', columns: ['patientId'], target: ['Patient'], documentation: 'The patient seen' },
    { name: 'patient', type: 'reference', columns: ['patientId'], target: ['Patient'], documentation: 'The patient seen' },
    { name: 'practitioner', type: 'reference', columns: ['practitionerId'], target: ['Practitioner'], documentation: 'The doctor' },
    { name: 'service-provider', type: 'reference', columns: ['organizationId'], target: ['Organization'], documentation: 'The hospital' },
    { name: 'status', type: 'token', columns: ['status'], system: 'http://hl7.org/fhir/encounter-status', documentation: 'planned | in-progress | finished …' },
    { name: 'class', type: 'token', columns: ['encounterClass'], system: ACT_CODE, documentation: 'AMB (in person) | VR (video) | the class of an imported visit (EMER …)' },
    { name: 'date', type: 'date', columns: ['periodStart'], documentation: 'When the visit started' },
  ],
});
