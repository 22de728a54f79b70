import { DataTypes } from 'sequelize';
import type { Migration } from './index.js';

/**
 * The scope granted at sign-in, kept with each refresh token of the family, so a refresh can only keep or narrow
 * it. Rows from before have none: they refresh to the role's default scope, as they did.
 */
export const refreshTokenScope: Migration = {
  name: '0120-refresh-token-scope',
  async up({ context: q }) {
    await q.addColumn('refresh_tokens', 'scope', { type: DataTypes.STRING(1000), allowNull: true });
  },
  async down({ context: q }) {
    await q.removeColumn('refresh_tokens', 'scope');
  },
};
