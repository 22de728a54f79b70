import { DataTypes } from 'sequelize';
import type { Migration } from './index.js';

const TABLES = ['encounters', 'conditions', 'observations', 'diagnostic_reports'];

/** The id an imported record has at its origin (`source`), shown as its identifier there. */
export const importedSourceIds: Migration = {
  name: '0110-imported-source-ids',
  async up({ context: q }) {
    for (const table of TABLES) await q.addColumn(table, 'sourceId', { type: DataTypes.STRING(64), allowNull: true });
  },
  async down({ context: q }) {
    for (const table of TABLES) await q.removeColumn(table, 'sourceId');
  },
};
