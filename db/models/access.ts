import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';
import { idColumn, refColumn, timestampColumns } from '../columns.js';

/** `system` is a partner hospital node's backend client (client_credentials grant); it has no user row. */
export const ROLES = ['patient', 'doctor', 'pharmacist', 'insurer', 'admin', 'system'] as const;
export type Role = (typeof ROLES)[number];

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: string;
  declare email: string;
  declare passwordHash: string;
  declare role: Role;
  declare displayName: string;
  /** The patient record of a patient account. */
  declare patientId: string | null;
  /** The practitioner record of a doctor or pharmacist. */
  declare practitionerId: string | null;
  /** The hospital, pharmacy or payer the account acts for. */
  declare organizationId: string | null;
  declare active: CreationOptional<boolean>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** One refresh token; each use rotates it. A token used twice revokes its whole family (RFC 6819 §5.2.2.3). */
export class RefreshToken extends Model<InferAttributes<RefreshToken>, InferCreationAttributes<RefreshToken>> {
  declare id: string;
  declare tokenHash: string;
  declare userId: string;
  declare familyId: string;
  declare expiresAt: Date;
  declare usedAt: Date | null;
  declare revokedAt: Date | null;
  /** The scope granted at sign-in (space-separated); null for tokens from before migration 0120. */
  declare scope: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
}

/** Failed sign-ins of one (hashed) account + address in the current window (server/http/login-throttle.ts). */
export class LoginFailure extends Model<InferAttributes<LoginFailure>, InferCreationAttributes<LoginFailure>> {
  declare throttleKey: string;
  declare failures: number;
  declare resetAt: Date;
}

export function defineAccess(sequelize: Sequelize) {
  const UserModel = fresh(User);
  UserModel.init({
    id: idColumn,
    email: { type: DataTypes.STRING(254), allowNull: false, unique: true },
    passwordHash: { type: DataTypes.STRING(255), allowNull: false },
    role: { type: DataTypes.STRING(16), allowNull: false },
    displayName: { type: DataTypes.STRING(200), allowNull: false },
    patientId: { ...refColumn(true), unique: true },
    practitionerId: refColumn(true),
    organizationId: refColumn(true),
    active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    ...timestampColumns,
  }, { sequelize, tableName: 'users' });

  const RefreshTokenModel = fresh(RefreshToken);
  RefreshTokenModel.init({
    id: idColumn,
    tokenHash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    userId: refColumn(false),
    familyId: { type: DataTypes.STRING(64), allowNull: false },
    expiresAt: { type: DataTypes.DATE(3), allowNull: false },
    usedAt: { type: DataTypes.DATE(3), allowNull: true },
    revokedAt: { type: DataTypes.DATE(3), allowNull: true },
    scope: { type: DataTypes.STRING(1000), allowNull: true },
    createdAt: timestampColumns.createdAt,
  }, { sequelize, tableName: 'refresh_tokens', updatedAt: false });

  const LoginFailureModel = fresh(LoginFailure);
  LoginFailureModel.init({
    throttleKey: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
    failures: { type: DataTypes.INTEGER, allowNull: false },
    resetAt: { type: DataTypes.DATE(3), allowNull: false },
  }, { sequelize, tableName: 'login_failures', timestamps: false });
  return { User: UserModel, RefreshToken: RefreshTokenModel, LoginFailure: LoginFailureModel };
}
