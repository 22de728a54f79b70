import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

const id = { type: DataTypes.STRING(64), primaryKey: true, allowNull: false };
const ref = (allowNull = false) => ({ type: DataTypes.STRING(64), allowNull });
const timestamps = {
  createdAt: { type: DataTypes.DATE(3), allowNull: false },
  updatedAt: { type: DataTypes.DATE(3), allowNull: false },
};

export const prescriptions: Migration = {
  name: '0050-prescriptions',
  async up({ context: q }: { context: QueryInterface }) {
    await q.createTable('drugs', {
      code: { type: DataTypes.STRING(32), primaryKey: true, allowNull: false },
      name: { type: DataTypes.STRING(200), allowNull: false },
      form: { type: DataTypes.STRING(60), allowNull: false },
      strength: { type: DataTypes.STRING(60), allowNull: false },
      route: { type: DataTypes.STRING(40), allowNull: false },
      narcotic: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      psychotropic: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      ...timestamps,
    });
    await q.createTable('prescriptions', {
      id,
      number: { type: DataTypes.STRING(40), allowNull: false, unique: true },
      patientId: ref(),
      prescriberId: ref(),
      encounterId: ref(),
      status: { type: DataTypes.STRING(20), allowNull: false },
      issuedAt: { type: DataTypes.DATE(3), allowNull: false },
      validUntil: { type: DataTypes.DATE(3), allowNull: false },
      validityReason: { type: DataTypes.STRING(500), allowNull: true },
      chronicConditionCode: { type: DataTypes.STRING(32), allowNull: true },
      replacesId: ref(true),
      signedContent: { type: DataTypes.TEXT, allowNull: false },
      signature: { type: DataTypes.TEXT, allowNull: false },
      kid: { type: DataTypes.STRING(64), allowNull: false },
      accessCodeHash: { type: DataTypes.STRING(64), allowNull: false },
      reviewerId: ref(true),
      reviewedAt: { type: DataTypes.DATE(3), allowNull: true },
      reviewReasonCode: { type: DataTypes.STRING(40), allowNull: true },
      reviewNote: { type: DataTypes.STRING(500), allowNull: true },
      ownerPharmacy: { type: DataTypes.STRING(255), allowNull: true },
      secretHash: { type: DataTypes.STRING(64), allowNull: true },
      acceptedAt: { type: DataTypes.DATE(3), allowNull: true },
      completedAt: { type: DataTypes.DATE(3), allowNull: true },
      receipt: { type: DataTypes.TEXT, allowNull: true },
      cancelledAt: { type: DataTypes.DATE(3), allowNull: true },
      versionId: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
      ...timestamps,
    });
    await q.addIndex('prescriptions', ['patientId', 'issuedAt']);
    await q.addIndex('prescriptions', ['status', 'issuedAt']);
    await q.createTable('prescription_lines', {
      id,
      prescriptionId: ref(),
      lineNo: { type: DataTypes.INTEGER, allowNull: false },
      drugCode: { type: DataTypes.STRING(32), allowNull: false },
      drugName: { type: DataTypes.STRING(200), allowNull: false },
      dose: { type: DataTypes.STRING(100), allowNull: false },
      frequency: { type: DataTypes.STRING(100), allowNull: false },
      quantity: { type: DataTypes.INTEGER, allowNull: false },
      supplyDays: { type: DataTypes.INTEGER, allowNull: false },
      versionId: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
      ...timestamps,
    });
    await q.addIndex('prescription_lines', ['prescriptionId', 'lineNo'], { unique: true });
    await q.createTable('medication_dispenses', {
      id,
      prescriptionId: ref(),
      lineNo: { type: DataTypes.INTEGER, allowNull: false },
      drugCode: { type: DataTypes.STRING(32), allowNull: false },
      quantity: { type: DataTypes.INTEGER, allowNull: false },
      pharmacy: { type: DataTypes.STRING(255), allowNull: false },
      dispensedAt: { type: DataTypes.DATE(3), allowNull: false },
      versionId: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
      ...timestamps,
    });
    // One dispense per line: the database, not the code, keeps a line from being dispensed twice.
    await q.addIndex('medication_dispenses', ['prescriptionId', 'lineNo'], { unique: true });
    await q.createTable('idempotency_keys', {
      id,
      scope: { type: DataTypes.STRING(191), allowNull: false, unique: true },
      fingerprint: { type: DataTypes.STRING(64), allowNull: false },
      state: { type: DataTypes.STRING(12), allowNull: false },
      responseStatus: { type: DataTypes.INTEGER, allowNull: true },
      responseType: { type: DataTypes.STRING(100), allowNull: true },
      responseBody: { type: DataTypes.TEXT, allowNull: true },
      ...timestamps,
    });
  },
  async down({ context: q }: { context: QueryInterface }) {
    for (const table of ['idempotency_keys', 'medication_dispenses', 'prescription_lines', 'prescriptions', 'drugs']) {
      await q.dropTable(table);
    }
  },
};
