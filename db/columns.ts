import { DataTypes } from 'sequelize';
import type { Database } from './connection.js';

/**
 * Column shapes every table shares, used by the migrations and the models alike so the two cannot drift.
 * Ids are opaque strings (UUIDs here, FHIR ids from partners); times keep milliseconds on MySQL.
 */
export const idColumn = { type: DataTypes.STRING(64), primaryKey: true, allowNull: false };
export const refColumn = (allowNull: boolean) => ({ type: DataTypes.STRING(64), allowNull });
export const versionColumn = { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 };
export const timestampColumns = {
  createdAt: { type: DataTypes.DATE(3), allowNull: false },
  updatedAt: { type: DataTypes.DATE(3), allowNull: false },
};

/** Model hooks that refuse every change to rows once written (audit events, record versions). */
export function appendOnlyHooks(what: string) {
  const refuse = () => { throw new Error(`${what} are append-only`); };
  return { beforeUpdate: refuse, beforeDestroy: refuse, beforeBulkUpdate: refuse, beforeBulkDestroy: refuse };
}

/** `column + 1` in an UPDATE: an increment no concurrent writer can lose (versions, failure counts). */
export function incremented(db: Database, column: string): number {
  return db.sequelize.literal(`${db.sequelize.getQueryInterface().quoteIdentifier(column)} + 1`) as unknown as number;
}
