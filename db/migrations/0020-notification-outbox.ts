import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

/** Reminder and notification events, written in the same transaction as the booking change they announce. */
export const notificationOutbox: Migration = {
  name: '0020-notification-outbox',
  async up({ context: q }: { context: QueryInterface }) {
    await q.createTable('notification_outbox', {
      id: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
      kind: { type: DataTypes.STRING(40), allowNull: false },
      appointmentId: { type: DataTypes.STRING(64), allowNull: false },
      recipientPatientId: { type: DataTypes.STRING(64), allowNull: true },
      recipientPractitionerId: { type: DataTypes.STRING(64), allowNull: true },
      payload: { type: DataTypes.TEXT, allowNull: false },
      dueAt: { type: DataTypes.DATE(3), allowNull: false },
      status: { type: DataTypes.STRING(16), allowNull: false },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      claimedAt: { type: DataTypes.DATE(3), allowNull: true },
      sentAt: { type: DataTypes.DATE(3), allowNull: true },
      lastError: { type: DataTypes.STRING(500), allowNull: true },
      createdAt: { type: DataTypes.DATE(3), allowNull: false },
      updatedAt: { type: DataTypes.DATE(3), allowNull: false },
    });
    await q.addIndex('notification_outbox', ['status', 'dueAt']);
    await q.addIndex('notification_outbox', ['appointmentId']);
    // Patients' own appointments by status and time: the overlap rule and "my appointments".
    await q.addIndex('appointments', ['patientId', 'status', 'start']);
    await q.addIndex('slots', ['status', 'start']);
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.removeIndex('slots', ['status', 'start']);
    await q.removeIndex('appointments', ['patientId', 'status', 'start']);
    await q.dropTable('notification_outbox');
  },
};
