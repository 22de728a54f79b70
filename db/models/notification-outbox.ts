import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';

export type NotificationKind =
  | 'appointment-booked' | 'appointment-reminder' | 'appointment-cancelled' | 'appointment-rescheduled'
  | 'prescription-ready' | 'dispute-answered' | 'crisis-alert';
/**
 * pending → sending (claimed by one worker) → sent; back to pending on a failed attempt; void when obsolete;
 * skipped when the recipient cannot be reached (no e-mail address: the reason is in lastError).
 */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'void' | 'skipped';

/** One notification to deliver, written in the transaction of the change it announces (transactional outbox). */
export class NotificationOutbox extends Model<InferAttributes<NotificationOutbox>, InferCreationAttributes<NotificationOutbox>> {
  declare id: string;
  declare kind: NotificationKind;
  /**
   * The appointment the event is about; for events about something else (a prescription, a dispute, an alert)
   * the id of that record, the kind saying which (the column predates them: migration 0020).
   */
  declare appointmentId: string;
  declare recipientPatientId: string | null;
  declare recipientPractitionerId: string | null;
  /** JSON: what the message says (times, join link). */
  declare payload: string;
  declare dueAt: Date;
  declare status: OutboxStatus;
  declare attempts: CreationOptional<number>;
  declare claimedAt: CreationOptional<Date | null>;
  declare sentAt: CreationOptional<Date | null>;
  declare lastError: CreationOptional<string | null>;
  /** When the recipient marked it read in the in-app list (migration 0170); null while unread. */
  declare readAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function defineNotificationOutbox(sequelize: Sequelize) {
  const OutboxModel = fresh(NotificationOutbox);
  OutboxModel.init({
    id: { type: DataTypes.STRING(64), primaryKey: true },
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
    readAt: { type: DataTypes.DATE(3), allowNull: true },
    createdAt: DataTypes.DATE(3),
    updatedAt: DataTypes.DATE(3),
  }, { sequelize, tableName: 'notification_outbox' });
  return { NotificationOutbox: OutboxModel };
}
