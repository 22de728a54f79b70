import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

/**
 * The FHIR repository (server/fhir/repository/): every resource of a type without a domain table, stored whole
 * as the JSON it was written in, and the lookup rows its search parameters index (docs/fhir.md "The repository").
 * A lookup value column is binary (utf8mb4_bin on MySQL, SQLite's default), so both databases compare the same
 * bytes: tokens and uris are case-sensitive as the spec says, and strings are normalised before they are stored.
 */
// Functions, not shared objects: createTable normalises the attributes it is given in place.
const type = () => ({ type: DataTypes.STRING(64), allowNull: false });
const resourceId = () => ({ type: DataTypes.STRING(64), allowNull: false });
const code = () => ({ type: DataTypes.STRING(64), allowNull: false });
const rowId = () => ({ type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true });

/** `binary`: the value column type (Sequelize's STRING(n, true) writes `VARCHAR BINARY(n)`, which MySQL refuses). */
const lookups = (binary: string): Array<[table: string, columns: Record<string, object>, indexes: string[][]]> => {
  const text = (allowNull: boolean) => ({ type: binary, allowNull });
  return [
    ['fhir_tokens', { system: text(true), value: text(true), text: text(true) }, [['resourceType', 'code', 'value']]],
    ['fhir_strings', { value: text(false), exact: text(false) }, [['resourceType', 'code', 'value']]],
    ['fhir_dates', { start: { type: DataTypes.DATE(3), allowNull: false }, end: { type: DataTypes.DATE(3), allowNull: false } },
      [['resourceType', 'code', 'start'], ['resourceType', 'code', 'end']]],
    ['fhir_references', { targetType: { type: DataTypes.STRING(64), allowNull: true }, targetId: text(false) },
      [['resourceType', 'code', 'targetId']]],
    ['fhir_quantities', { value: { type: DataTypes.DOUBLE, allowNull: false }, system: text(true), unit: text(true) },
      [['resourceType', 'code', 'value']]],
    ['fhir_uris', { value: text(false) }, [['resourceType', 'code', 'value']]],
  ];
};

export const fhirRepository: Migration = {
  name: '0150-fhir-repository',
  async up({ context: q }: { context: QueryInterface }) {
    const mysql = q.sequelize.getDialect() === 'mysql';
    await q.createTable('fhir_resources', {
      resourceType: { ...type(), primaryKey: true },
      id: { ...resourceId(), primaryKey: true },
      versionId: { type: DataTypes.INTEGER, allowNull: false },
      lastUpdated: { type: DataTypes.DATE(3), allowNull: false },
      deleted: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      // LONGTEXT on MySQL (a resource may exceed MEDIUMTEXT's 16 MB only past BODY_LIMIT, but never silently cut).
      content: { type: mysql ? DataTypes.TEXT('long') : DataTypes.TEXT, allowNull: false },
    });
    await q.addIndex('fhir_resources', ['resourceType', 'lastUpdated', 'id'], { name: 'fhir_resources_last_updated' });
    for (const [table, columns, indexes] of lookups(mysql ? 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin' : 'VARCHAR(255)')) {
      await q.createTable(table, { id: rowId(), resourceType: type(), resourceId: resourceId(), code: code(), ...columns });
      await q.addIndex(table, ['resourceId', 'resourceType'], { name: `${table}_resource` });
      for (const columnsOfIndex of indexes) await q.addIndex(table, columnsOfIndex, { name: `${table}_${columnsOfIndex.slice(1).join('_')}` });
    }
    // Which patients a resource belongs to (the Patient CompartmentDefinition): the access rule's search filter.
    await q.createTable('fhir_compartments', {
      id: rowId(), resourceType: type(), resourceId: resourceId(), patientId: { type: DataTypes.STRING(64), allowNull: false },
    });
    await q.addIndex('fhir_compartments', ['resourceId', 'resourceType'], { name: 'fhir_compartments_resource' });
    await q.addIndex('fhir_compartments', ['patientId', 'resourceType'], { name: 'fhir_compartments_patient' });
  },
  async down({ context: q }: { context: QueryInterface }) {
    for (const table of ['fhir_compartments', ...lookups('').map(([name]) => name), 'fhir_resources']) await q.dropTable(table);
  },
};
