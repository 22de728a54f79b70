import type { Practitioner } from '@medplum/fhirtypes';
import {
  fromPractitionerResource, SNOMED, toPractitionerResource, toPractitionerRoleResource, type PractitionerRow,
} from '../../../fhir-mappings/practitioner.js';
import { registerResource } from '../registry.js';

const name = [
  { name: 'name', type: 'string' as const, columns: ['familyName', 'givenName'], documentation: 'Start of the family or given name, any case' },
  { name: 'family', type: 'string' as const, columns: ['familyName'], documentation: 'Start of the family name, any case', sortable: true },
];

// Practitioners are created with their staff account (POST /api/staff); FHIR may correct the name.
registerResource({
  type: 'Practitioner',
  model: (db) => db.models.Practitioner,
  toResource: (row) => toPractitionerResource(row as unknown as PractitionerRow),
  fromResource: (resource) => fromPractitionerResource(resource as Practitioner),
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'update'],
  writeRoles: ['admin'],
  searchParams: name,
});

registerResource({
  type: 'PractitionerRole',
  model: (db) => db.models.Practitioner,
  toResource: (row) => toPractitionerRoleResource(row as unknown as PractitionerRow),
  interactions: ['read', 'vread', 'search-type', 'history-instance'],
  searchParams: [
    { name: 'practitioner', type: 'reference', columns: ['id'], target: ['Practitioner'], documentation: 'The practitioner in this role' },
    { name: 'organization', type: 'reference', columns: ['organizationId'], target: ['Organization'], documentation: 'Where the role is held' },
    { name: 'specialty', type: 'token', columns: ['specialtyCode'], system: SNOMED, documentation: 'SNOMED CT practice setting' },
  ],
});
