import type { QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

/**
 * Indexes behind the FHIR search parameters (server/fhir/resources/*): each search that is not already served
 * by an index of its table. Keyset paging orders by (sort column, id), so the id ends the sorted indexes.
 */
const INDEXES: Array<[table: string, columns: string[]]> = [
  ['observations', ['code', 'effectiveAt', 'id']],
  ['observations', ['encounterId']],
  ['patients', ['familyName']],
  ['patients', ['givenName']],
  ['practitioners', ['organizationId']],
  ['practitioners', ['familyName']],
  ['conditions', ['encounterId']],
  ['conditions', ['recordedAt']],
  ['encounters', ['organizationId']],
  ['appointments', ['practitionerId', 'patientId']],
  ['audit_events', ['recordedAt']],
];

const nameOf = (table: string, columns: string[]) => `fhir_${table}_${columns.join('_')}`.toLowerCase();

export const fhirSearchIndexes: Migration = {
  name: '0010-fhir-search-indexes',
  async up({ context: q }: { context: QueryInterface }) {
    for (const [table, columns] of INDEXES) await q.addIndex(table, columns, { name: nameOf(table, columns) });
  },
  async down({ context: q }: { context: QueryInterface }) {
    for (const [table, columns] of INDEXES) await q.removeIndex(table, nameOf(table, columns));
  },
};
