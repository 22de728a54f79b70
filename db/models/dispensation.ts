import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { idColumn, refColumn, timestampColumns } from '../columns.js';
import { fresh } from './fresh.js';

/**
 * This node's pharmacy record of a prescription it took from an issuer (another node, or this one) with the
 * patient's code: in-progress (we hold it and the issuer's secret) → completed (handed over; the issuer's signed
 * receipt is kept) or given-back. The issuer's Task stays the single source of truth (docs/prescriptions.md).
 */
export type DispensationStatus = 'in-progress' | 'completed' | 'given-back';

export class Dispensation extends Model<InferAttributes<Dispensation>, InferCreationAttributes<Dispensation>> {
  declare id: string;
  /** The issuer's FHIR base URL, as the patient's code names it. */
  declare issuer: string;
  /** The partner registration the issuer was recognised by; null when this node issued it. */
  declare partnerId: string | null;
  declare prescriptionId: string;
  declare prescriptionNumber: string;
  declare pharmacistUserId: string;
  declare pharmacy: string;
  declare status: DispensationStatus;
  /** The issuer's secret for $close / $reject while we hold it; cleared once the prescription is closed or given back. */
  declare secret: string | null;
  /** The exact bytes the issuer signed, verified against its JWKS before we accepted. */
  declare signedContent: string;
  declare signature: string;
  declare kid: string;
  /** JSON: what was handed over, per line. */
  declare dispensed: string | null;
  declare receipt: string | null;
  declare receiptSignature: string | null;
  declare completedAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** A client-assertion id a partner node has used: refused if presented again before it expires. */
export class UsedClientAssertion extends Model<InferAttributes<UsedClientAssertion>, InferCreationAttributes<UsedClientAssertion>> {
  declare partnerId: string;
  declare jti: string;
  declare expiresAt: Date;
}

const text = (allowNull: boolean) => ({ type: DataTypes.TEXT, allowNull });
const str = (n: number, allowNull = false) => ({ type: DataTypes.STRING(n), allowNull });

export function defineDispensing(sequelize: Sequelize) {
  const DispensationModel = fresh(Dispensation);
  DispensationModel.init({
    id: idColumn, issuer: str(255), partnerId: refColumn(true), prescriptionId: refColumn(false), prescriptionNumber: str(40),
    pharmacistUserId: refColumn(false), pharmacy: str(255), status: str(20), secret: str(128, true), signedContent: text(false),
    signature: text(false), kid: str(64), dispensed: text(true), receipt: text(true), receiptSignature: text(true),
    completedAt: { type: DataTypes.DATE(3), allowNull: true }, ...timestampColumns,
  }, { sequelize, tableName: 'dispensations' });

  const UsedAssertionModel = fresh(UsedClientAssertion);
  UsedAssertionModel.init({
    partnerId: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
    jti: { type: DataTypes.STRING(128), primaryKey: true, allowNull: false },
    expiresAt: { type: DataTypes.DATE(3), allowNull: false },
  }, { sequelize, tableName: 'used_client_assertions', timestamps: false });

  return { Dispensation: DispensationModel, UsedClientAssertion: UsedAssertionModel };
}
