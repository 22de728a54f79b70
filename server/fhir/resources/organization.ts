import type { Organization } from '@medplum/fhirtypes';
import {
  fromOrganizationResource, ORGANIZATION_IDENTIFIER, toOrganizationResource, type OrganizationRow,
} from '../../../fhir-mappings/organization.js';
import { registerResource } from '../registry.js';

registerResource({
  type: 'Organization',
  model: (db) => db.models.Organization,
  toResource: (row) => toOrganizationResource(row as unknown as OrganizationRow),
  fromResource: (resource) => fromOrganizationResource(resource as Organization),
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'create', 'update'],
  writeRoles: ['admin'],
  searchParams: [
    { name: 'name', type: 'string', columns: ['name'], documentation: 'Start of the name, any case', sortable: true },
    { name: 'identifier', type: 'token', columns: ['identifier'], system: ORGANIZATION_IDENTIFIER, documentation: 'Our organization identifier' },
  ],
});
