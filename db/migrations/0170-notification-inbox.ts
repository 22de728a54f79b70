import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

/**
 * The in-app notification list reads the outbox rows themselves (server/notifications/inbox.ts): one record of what
 * was announced, whatever the channel. It adds when its recipient read each one, and indexes each recipient's list.
 */
export const notificationInbox: Migration = {
  name: '0170-notification-inbox',
  async up({ context: q }: { context: QueryInterface }) {
    await q.addColumn('notification_outbox', 'readAt', { type: DataTypes.DATE(3), allowNull: true });
    await q.addIndex('notification_outbox', ['recipientPatientId', 'dueAt']);
    await q.addIndex('notification_outbox', ['recipientPractitionerId', 'dueAt']);
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.removeIndex('notification_outbox', ['recipientPractitionerId', 'dueAt']);
    await q.removeIndex('notification_outbox', ['recipientPatientId', 'dueAt']);
    await q.removeColumn('notification_outbox', 'readAt');
  },
};
