import type { Resource } from '@medplum/fhirtypes';
import { DataTypes, QueryTypes, type ModelAttributeColumnOptions, type QueryInterface } from 'sequelize';
import { identifierCode, lookupRowsOf } from '../../server/fhir/repository/index-rows.js';
import type { Migration } from './index.js';

const PAGE = 500;

/** The columns of a table as its model declares them, so bulkInsert writes dates as the model does (milliseconds on MySQL). */
function attributesOf(q: QueryInterface, table: string): Record<string, ModelAttributeColumnOptions> | undefined {
  return Object.values(q.sequelize.models).find((model) => model.getTableName() === table)?.getAttributes();
}

/**
 * The rows this migration's index adds for the resources already stored: composite values, and the identifiers
 * of their references (fhir_tokens under `<parameter>:identifier`), which the repository did not index before.
 */
async function indexStoredResources(q: QueryInterface): Promise<void> {
  let after: { resourceType: string; id: string } | undefined;
  for (;;) {
    const rows: Array<{ resourceType: string; id: string; content: string }> = await q.sequelize.query(
      `SELECT resourceType, id, content FROM fhir_resources WHERE deleted = 0${after ? ' AND (resourceType > ? OR (resourceType = ? AND id > ?))' : ''} `
        + 'ORDER BY resourceType, id LIMIT ?',
      { replacements: [...(after ? [after.resourceType, after.resourceType, after.id] : []), PAGE], type: QueryTypes.SELECT },
    );
    if (!rows.length) return;
    const composites: Record<string, unknown>[] = [];
    const identifiers: Record<string, unknown>[] = [];
    for (const row of rows) {
      const lookups = lookupRowsOf({ ...(JSON.parse(row.content) as Resource), id: row.id });
      composites.push(...lookups.FhirComposite);
      identifiers.push(...lookups.FhirToken.filter((token) => String(token.code).endsWith(identifierCode(''))));
    }
    if (composites.length) await q.bulkInsert('fhir_composites', composites, {}, attributesOf(q, 'fhir_composites'));
    if (identifiers.length) await q.bulkInsert('fhir_tokens', identifiers, {}, attributesOf(q, 'fhir_tokens'));
    after = rows[rows.length - 1];
  }
}

/**
 * Composite search parameters of the FHIR repository (search.html#composite; docs/fhir.md "The repository"): one
 * row per pair of component values, the first a token (system, value), the second in the columns of its kind.
 * Text columns are binary (utf8mb4_bin on MySQL) like the other lookup tables of migration 0150.
 */
export const fhirSearchComposites: Migration = {
  name: '0190-fhir-search-composites',
  async up({ context: q }: { context: QueryInterface }) {
    const mysql = q.sequelize.getDialect() === 'mysql';
    const text = () => ({ type: mysql ? 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin' : 'VARCHAR(255)', allowNull: true });
    const short = () => ({ type: DataTypes.STRING(64), allowNull: false });
    await q.createTable('fhir_composites', {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      resourceType: short(), resourceId: short(), code: short(),
      system: text(), value: text(), system2: text(), value2: text(),
      number2: { type: DataTypes.DOUBLE, allowNull: true }, unit2: text(),
      start2: { type: DataTypes.DATE(3), allowNull: true }, end2: { type: DataTypes.DATE(3), allowNull: true },
    });
    await q.addIndex('fhir_composites', ['resourceId', 'resourceType'], { name: 'fhir_composites_resource' });
    await q.addIndex('fhir_composites', ['resourceType', 'code', 'value', 'value2'], { name: 'fhir_composites_code_value_value2' });
    await q.addIndex('fhir_composites', ['resourceType', 'code', 'value', 'number2'], { name: 'fhir_composites_code_value_number2' });
    await q.addIndex('fhir_composites', ['resourceType', 'code', 'value', 'start2'], { name: 'fhir_composites_code_value_start2' });
    await indexStoredResources(q);
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.sequelize.query("DELETE FROM fhir_tokens WHERE code LIKE '%:identifier'");
    await q.dropTable('fhir_composites');
  },
};
