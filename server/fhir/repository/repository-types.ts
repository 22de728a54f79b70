// Every domain declaration (Patient, Slot, ClaimResponse, Task …) is evaluated before registerRepositoryTypes can
// run: a type it found undeclared would be served as a generic one (Patient without its table), or its declaration
// would be refused as a second registration (Task). Static imports are safe here: this module only declares a function.
import '../resources/index.js';
import { definitionOf, registerResource } from '../registry.js';
import { ALL_INTERACTIONS, REFUSED_TYPES, searchParamsOf, storeOf } from './generic-types.js';
import { R4_RESOURCE_TYPES } from './r4-search-parameters.js';

let registered = false;

/**
 * Registers the repository as the store of every R4 type without a domain declaration (stored whole, versioned,
 * audited, searched by the official parameters). Whoever calls it first, the FHIR router or billing's searches
 * in a process that never builds one (a seed, a script), finds the domain types already declared.
 */
export function registerRepositoryTypes(): void {
  if (registered) return;
  registered = true;
  for (const type of R4_RESOURCE_TYPES) {
    if (definitionOf(type) || REFUSED_TYPES[type]) continue;
    registerResource({
      type,
      store: storeOf(type),
      model: (db) => db.models.FhirResource,
      toResource: (row) => JSON.parse(String(row.content)) as never,
      interactions: [...ALL_INTERACTIONS],
      searchParams: searchParamsOf(type),
      lastUpdatedColumn: 'lastUpdated',
    });
  }
}
