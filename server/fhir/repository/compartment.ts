import type { Resource } from '@medplum/fhirtypes';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../../../db/connection.js';
import { boundValue } from './search.js';

/**
 * The current resources of the repository's types in a patient's compartment (deleted ones left out), by one query
 * on the compartment index (fhir_compartments.patientId), type by type and in id order: `Patient/$everything`
 * reads it, and so does every use case that lists a patient's records stored whole (allergies, medicines).
 * No access check: the caller has decided the patient is theirs to read.
 */
export async function compartmentResources<T extends Resource = Resource>(
  db: Database, patientId: string, types: readonly string[], options: { since?: Date; tx?: Transaction } = {},
): Promise<T[]> {
  if (types.length === 0) return [];
  const { since, tx } = options;
  const rows = await db.sequelize.query<{ content: string }>(
    `SELECT r.content FROM fhir_compartments c JOIN fhir_resources r ON r.resourceType = c.resourceType AND r.id = c.resourceId
     WHERE c.patientId = ? AND c.resourceType IN (${types.map(() => '?').join(', ')}) AND r.deleted = 0${since ? ' AND r.lastUpdated >= ?' : ''}
     ORDER BY r.resourceType, r.id`,
    { replacements: [patientId, ...types, ...(since ? [boundValue(db.dialect, since)] : [])], type: QueryTypes.SELECT, transaction: tx },
  );
  return rows.map(({ content }) => JSON.parse(content) as T);
}
