import { DataTypes } from 'sequelize';
import { idColumn, refColumn, timestampColumns } from '../columns.js';
import type { Migration } from './index.js';

/**
 * Dispensing across hospitals: the client-assertion ids a partner node has used (single use, shared by every
 * instance of this node), and this node's pharmacy record of prescriptions it takes from an issuer.
 */
export const partnerDispensing: Migration = {
  name: '0080-partner-dispensing',
  async up({ context: q }) {
    await q.createTable('used_client_assertions', {
      partnerId: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
      jti: { type: DataTypes.STRING(128), primaryKey: true, allowNull: false },
      expiresAt: { type: DataTypes.DATE(3), allowNull: false },
    });
    await q.addIndex('used_client_assertions', ['expiresAt'], { name: 'used_client_assertions_expires' });
    await q.createTable('dispensations', {
      id: idColumn,
      issuer: { type: DataTypes.STRING(255), allowNull: false },
      partnerId: refColumn(true),
      prescriptionId: refColumn(false),
      prescriptionNumber: { type: DataTypes.STRING(40), allowNull: false },
      pharmacistUserId: refColumn(false),
      pharmacy: { type: DataTypes.STRING(255), allowNull: false },
      status: { type: DataTypes.STRING(20), allowNull: false },
      secret: { type: DataTypes.STRING(128), allowNull: true },
      signedContent: { type: DataTypes.TEXT, allowNull: false },
      signature: { type: DataTypes.TEXT, allowNull: false },
      kid: { type: DataTypes.STRING(64), allowNull: false },
      dispensed: { type: DataTypes.TEXT, allowNull: true },
      receipt: { type: DataTypes.TEXT, allowNull: true },
      receiptSignature: { type: DataTypes.TEXT, allowNull: true },
      completedAt: { type: DataTypes.DATE(3), allowNull: true },
      ...timestampColumns,
    });
    await q.addIndex('dispensations', ['issuer', 'prescriptionId'], { name: 'dispensations_prescription' });
    await q.addIndex('dispensations', ['pharmacy', 'createdAt'], { name: 'dispensations_pharmacy' });
  },
  async down({ context: q }) {
    await q.dropTable('dispensations');
    await q.dropTable('used_client_assertions');
  },
};
