import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

/**
 * Billing's charges (server/billing/, docs/billing.md): the versions of the service-code catalogue an admin
 * loads, the key that makes a second billable charge of one service a duplicate (decided by the unique index,
 * even when visits finish at the same moment), and the minutes and contact mode a doctor documents in the note.
 */
export const billingCharges: Migration = {
  name: '0200-billing-charges',
  async up({ context: q }: { context: QueryInterface }) {
    const long = q.sequelize.getDialect() === 'mysql' ? DataTypes.TEXT('medium') : DataTypes.TEXT;
    await q.createTable('billing_catalogues', {
      sequence: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      version: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      loadedAt: { type: DataTypes.DATE(3), allowNull: false },
      loadedBy: { type: DataTypes.STRING(64), allowNull: true },
      content: { type: long, allowNull: false },
    });
    await q.createTable('billing_charge_keys', {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      patientId: { type: DataTypes.STRING(64), allowNull: false },
      practitionerId: { type: DataTypes.STRING(64), allowNull: false },
      code: { type: DataTypes.STRING(64), allowNull: false },
      modifiers: { type: DataTypes.STRING(32), allowNull: false },
      serviceDate: { type: DataTypes.STRING(10), allowNull: false },
      chargeItemId: { type: DataTypes.STRING(64), allowNull: false },
    });
    await q.addIndex('billing_charge_keys', ['patientId', 'practitionerId', 'code', 'modifiers', 'serviceDate'], {
      name: 'billing_charge_keys_service', unique: true,
    });
    await q.addIndex('billing_charge_keys', ['chargeItemId'], { name: 'billing_charge_keys_charge_item' });
    await q.addColumn('visit_notes', 'documentedMinutes', { type: DataTypes.INTEGER, allowNull: true });
    await q.addColumn('visit_notes', 'contactMode', { type: DataTypes.STRING(16), allowNull: true });
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.removeColumn('visit_notes', 'contactMode');
    await q.removeColumn('visit_notes', 'documentedMinutes');
    await q.dropTable('billing_charge_keys');
    await q.dropTable('billing_catalogues');
  },
};
