import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';
import { appendOnlyHooks } from '../columns.js';

/**
 * One version of a record as it was written (the row's own columns as JSON). FHIR vread and _history read
 * these; the live row is always the current version. Append-only, like the audit log.
 */
export class ResourceVersion extends Model<InferAttributes<ResourceVersion>, InferCreationAttributes<ResourceVersion>> {
  declare id: CreationOptional<number>;
  declare resourceType: string;
  declare resourceId: string;
  declare versionId: number;
  declare recordedAt: Date;
  declare content: string;
}

export function defineResourceVersion(sequelize: Sequelize) {
  const ResourceVersionModel = fresh(ResourceVersion);
  ResourceVersionModel.init({
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    resourceType: { type: DataTypes.STRING(40), allowNull: false },
    resourceId: { type: DataTypes.STRING(64), allowNull: false },
    versionId: { type: DataTypes.INTEGER, allowNull: false },
    recordedAt: { type: DataTypes.DATE(3), allowNull: false },
    content: { type: DataTypes.TEXT('medium'), allowNull: false },
  }, {
    sequelize,
    tableName: 'resource_versions',
    timestamps: false,
    hooks: appendOnlyHooks('resource versions'),
  });
  return { ResourceVersion: ResourceVersionModel };
}
