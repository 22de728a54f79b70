import type { Database } from './connection.js';
import { incremented } from './columns.js';

/**
 * Versioning of the rows that project a FHIR resource (server/fhir/repository/records.ts): an UPDATE bumps
 * `versionId` in the same statement (`versionId: nextVersion(db)`), so concurrent writers cannot both produce
 * version n, and the records then store the resource's next version, whose number the row keeps.
 */
export function nextVersion(db: Database): number {
  return incremented(db, 'versionId');
}
