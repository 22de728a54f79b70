import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

export const resourceVersions: Migration = {
  name: '0003-resource-versions',
  async up({ context: q }: { context: QueryInterface }) {
    await q.createTable('resource_versions', {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      resourceType: { type: DataTypes.STRING(40), allowNull: false },
      resourceId: { type: DataTypes.STRING(64), allowNull: false },
      versionId: { type: DataTypes.INTEGER, allowNull: false },
      recordedAt: { type: DataTypes.DATE(3), allowNull: false },
      content: { type: DataTypes.TEXT('medium'), allowNull: false },
    });
    // Unique: two concurrent writers can never both claim the same version of a record.
    await q.addIndex('resource_versions', ['resourceType', 'resourceId', 'versionId'], { unique: true });
    await q.addIndex('resource_versions', ['resourceType', 'recordedAt']);
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.dropTable('resource_versions');
  },
};
