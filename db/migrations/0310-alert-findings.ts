import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

/**
 * What a home-monitoring alert found, as numbers (server/monitoring/contract.ts `AlertFinding`, JSON), so the pages
 * word it in the reader's language (issue 14). Null on alerts raised before: they keep their English `message`.
 */
export const alertFindings: Migration = {
  name: '0310-alert-findings',
  async up({ context: q }: { context: QueryInterface }) {
    await q.addColumn('monitoring_alerts', 'finding', { type: DataTypes.TEXT, allowNull: true });
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.removeColumn('monitoring_alerts', 'finding');
  },
};
