import { DataTypes } from 'sequelize';
import type { Migration } from './index.js';

/** Failed sign-ins per account and address (hashed), shared by every process of the node (login throttle). */
export const loginFailures: Migration = {
  name: '0100-login-failures',
  async up({ context: q }) {
    await q.createTable('login_failures', {
      throttleKey: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
      failures: { type: DataTypes.INTEGER, allowNull: false },
      resetAt: { type: DataTypes.DATE(3), allowNull: false },
    });
    await q.addIndex('login_failures', ['resetAt'], { name: 'login_failures_reset' });
  },
  async down({ context: q }) {
    await q.dropTable('login_failures');
  },
};
