import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';
import { idColumn, refColumn, timestampColumns, versionColumn } from '../columns.js';

export const observations: Migration = {
  name: '0004-observations',
  async up({ context: q }: { context: QueryInterface }) {
    await q.createTable('observations', {
      id: idColumn,
      patientId: refColumn(false),
      encounterId: refColumn(true),
      status: { type: DataTypes.STRING(20), allowNull: false },
      category: { type: DataTypes.STRING(40), allowNull: false },
      codeSystem: { type: DataTypes.STRING(128), allowNull: false },
      code: { type: DataTypes.STRING(32), allowNull: false },
      display: { type: DataTypes.STRING(200), allowNull: false },
      effectiveAt: { type: DataTypes.DATE(3), allowNull: false },
      valueNumber: { type: DataTypes.DOUBLE, allowNull: true },
      valueUnit: { type: DataTypes.STRING(32), allowNull: true },
      components: { type: DataTypes.TEXT, allowNull: true },
      entryMethod: { type: DataTypes.STRING(10), allowNull: true },
      deviceName: { type: DataTypes.STRING(100), allowNull: true },
      diagnosticReportId: refColumn(true),
      source: { type: DataTypes.STRING(255), allowNull: true },
      versionId: versionColumn,
      ...timestampColumns,
    });
    // A patient's readings by code and date: the search users make most (DESIGN.md §5, bench/readings).
    await q.addIndex('observations', ['patientId', 'code', 'effectiveAt']);
    await q.addIndex('observations', ['patientId', 'effectiveAt']);
    await q.addIndex('observations', ['updatedAt']);
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.dropTable('observations');
  },
};
