import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

/**
 * The minutes a doctor documents when acknowledging a home-monitoring alert (issue 13): interactive time of remote
 * monitoring treatment management (99457/99458, docs/billing.md "Period codes"). Null when none were documented.
 */
export const alertMinutes: Migration = {
  name: '0300-alert-minutes',
  async up({ context: q }: { context: QueryInterface }) {
    await q.addColumn('monitoring_alerts', 'acknowledgedMinutes', { type: DataTypes.INTEGER, allowNull: true });
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.removeColumn('monitoring_alerts', 'acknowledgedMinutes');
  },
};
