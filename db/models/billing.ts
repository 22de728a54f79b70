import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';

/** One version of the service-code catalogue as an admin loaded it (server/billing/catalogue.ts). Never changed. */
export class BillingCatalogue extends Model<InferAttributes<BillingCatalogue>, InferCreationAttributes<BillingCatalogue>> {
  declare sequence: CreationOptional<number>;
  declare version: string;
  declare loadedAt: Date;
  declare loadedBy: string | null;
  /** The catalogue's JSON (server/billing/catalogue.ts `Catalogue`). */
  declare content: string;
}

/**
 * The service a billable charge bills: patient, doctor, code, modifiers and date. The unique index decides
 * that a second one is a duplicate (server/billing/charge-keys.ts).
 */
export class BillingChargeKey extends Model<InferAttributes<BillingChargeKey>, InferCreationAttributes<BillingChargeKey>> {
  declare id: CreationOptional<number>;
  declare patientId: string;
  declare practitionerId: string;
  declare code: string;
  declare modifiers: string;
  declare serviceDate: string;
  declare chargeItemId: string;
}

export function defineBilling(sequelize: Sequelize) {
  const BillingCatalogueModel = fresh(BillingCatalogue);
  BillingCatalogueModel.init({
    sequence: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    version: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    loadedAt: { type: DataTypes.DATE(3), allowNull: false },
    loadedBy: { type: DataTypes.STRING(64), allowNull: true },
    content: { type: DataTypes.TEXT, allowNull: false },
  }, { sequelize, tableName: 'billing_catalogues', timestamps: false });

  const BillingChargeKeyModel = fresh(BillingChargeKey);
  BillingChargeKeyModel.init({
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    patientId: { type: DataTypes.STRING(64), allowNull: false },
    practitionerId: { type: DataTypes.STRING(64), allowNull: false },
    code: { type: DataTypes.STRING(64), allowNull: false },
    modifiers: { type: DataTypes.STRING(32), allowNull: false },
    serviceDate: { type: DataTypes.STRING(10), allowNull: false },
    chargeItemId: { type: DataTypes.STRING(64), allowNull: false },
  }, { sequelize, tableName: 'billing_charge_keys', timestamps: false });

  return { BillingCatalogue: BillingCatalogueModel, BillingChargeKey: BillingChargeKeyModel };
}
