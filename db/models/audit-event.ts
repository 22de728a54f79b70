import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';
import { appendOnlyHooks } from '../columns.js';

/** FHIR AuditEvent.action: Create, Read, Update, Delete, Execute. */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
/** FHIR AuditEvent.outcome: success, minor failure (e.g. refused), serious failure, major failure. */
export type AuditOutcome = '0' | '4' | '8' | '12';

/** Append-only: the model refuses updates and deletes, and no service offers either. */
export class AuditEvent extends Model<InferAttributes<AuditEvent>, InferCreationAttributes<AuditEvent>> {
  declare id: CreationOptional<number>;
  declare recordedAt: Date;
  declare action: AuditAction;
  /** What happened, in words: login, read, search, create, update, refused … */
  declare activity: string;
  declare outcome: AuditOutcome;
  declare actorUserId: string | null;
  declare actorRole: string | null;
  declare resourceType: string | null;
  declare resourceId: string | null;
  declare patientId: string | null;
  declare sourceIp: string | null;
  declare requestId: string | null;
  declare detail: string | null;
}

export function defineAuditEvent(sequelize: Sequelize) {
  const AuditEventModel = fresh(AuditEvent);
  AuditEventModel.init({
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    recordedAt: { type: DataTypes.DATE(3), allowNull: false },
    action: { type: DataTypes.STRING(1), allowNull: false },
    activity: { type: DataTypes.STRING(40), allowNull: false },
    outcome: { type: DataTypes.STRING(2), allowNull: false },
    actorUserId: { type: DataTypes.STRING(64), allowNull: true },
    actorRole: { type: DataTypes.STRING(16), allowNull: true },
    resourceType: { type: DataTypes.STRING(40), allowNull: true },
    resourceId: { type: DataTypes.STRING(64), allowNull: true },
    patientId: { type: DataTypes.STRING(64), allowNull: true },
    sourceIp: { type: DataTypes.STRING(64), allowNull: true },
    requestId: { type: DataTypes.STRING(64), allowNull: true },
    detail: { type: DataTypes.STRING(500), allowNull: true },
  }, {
    sequelize,
    tableName: 'audit_events',
    timestamps: false,
    hooks: appendOnlyHooks('audit events'),
  });
  return { AuditEvent: AuditEventModel };
}
