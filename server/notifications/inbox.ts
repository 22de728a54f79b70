import { Op, type WhereOptions } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { NotificationKind, NotificationOutbox } from '../../db/models/notification-outbox.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { Forbidden, NotFound } from '../http/errors.js';
import { findRecipient } from './recipients.js';

/**
 * The in-app notification list: the outbox rows addressed to the caller, once due, whatever became of their
 * e-mail (sent, skipped for want of an address, failed). A void reminder (its visit cancelled or moved) never
 * happened and is not listed. Appointments, prescriptions and crisis alerts are clinical: reads are audited.
 */
const LIST_LIMIT = 100;
const NOTIFICATION_RESOURCE = 'Communication';

/** What the list shows of a payload: the facts of the event, never a link with a secret or another user's id. */
export interface NotificationView {
  id: string;
  kind: NotificationKind;
  at: string;
  read: boolean;
  readAt: string | null;
  appointmentId?: string;
  visitType?: 'video-follow-up' | 'in-person';
  start?: string;
  previousStart?: string;
  reason?: string | null;
  leadMinutes?: number;
  prescriptionId?: string;
  disputeId?: string;
  outcome?: string;
  alertId?: string;
  alertKind?: string;
}

const SHOWN = ['appointmentId', 'visitType', 'start', 'previousStart', 'reason', 'leadMinutes', 'prescriptionId', 'disputeId', 'outcome',
  'alertId', 'alertKind'] as const;

function notificationView(row: NotificationOutbox): NotificationView {
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  const facts = Object.fromEntries(SHOWN.filter((key) => payload[key] !== undefined).map((key) => [key, payload[key]]));
  return {
    id: row.id, kind: row.kind, at: row.dueAt.toISOString(), read: row.readAt !== null, readAt: row.readAt?.toISOString() ?? null, ...facts,
  };
}

/** The rows that are the caller's: a patient's by their record, a doctor's by their practitioner id. */
function addressedTo(caller: Caller): WhereOptions<NotificationOutbox> {
  if (caller.role === 'patient' && caller.patientId) return { recipientPatientId: caller.patientId };
  if (caller.role === 'doctor' && caller.practitionerId) return { recipientPractitionerId: caller.practitionerId };
  throw new Forbidden('wrong-role', 'Notifications are for patients and doctors; other roles receive none.');
}

const announced = (now: Date): WhereOptions<NotificationOutbox> => ({ status: { [Op.ne]: 'void' }, dueAt: { [Op.lte]: now } });

/** The caller's notifications, newest first, with the time zone their dates are shown in. */
export async function listNotifications(db: Database, caller: Caller, now = new Date()) {
  const mine = addressedTo(caller);
  const [rows, recipient] = await Promise.all([
    db.models.NotificationOutbox.findAll({
      where: { ...mine, ...announced(now) }, order: [['dueAt', 'DESC'], ['id', 'ASC']], limit: LIST_LIMIT,
    }),
    findRecipient(db, { patientId: caller.patientId, practitionerId: caller.role === 'doctor' ? caller.practitionerId : null }),
  ]);
  await recordAudit(db, caller, {
    action: 'R', activity: 'notifications-read', resourceType: NOTIFICATION_RESOURCE,
    patientId: caller.role === 'patient' ? caller.patientId : null, detail: `${rows.length} notifications`,
  });
  const notifications = rows.map(notificationView);
  return { timeZone: recipient?.timeZone ?? 'UTC', unread: notifications.filter((n) => !n.read).length, notifications };
}

/** Marks one of the caller's notifications read; marking it again changes nothing (the first time is kept). */
export async function markNotificationRead(db: Database, caller: Caller, id: string, now = new Date()) {
  const where = { id, ...addressedTo(caller), ...announced(now) };
  return db.transaction(async (tx) => {
    const [marked] = await db.models.NotificationOutbox.update({ readAt: now }, { where: { ...where, readAt: null }, transaction: tx });
    const row = await db.models.NotificationOutbox.findOne({ where, transaction: tx });
    if (!row) throw new NotFound('notification-not-found', `You have no notification with id ${id}.`);
    if (marked === 1) {
      await recordAudit(db, caller, {
        action: 'U', activity: 'notification-marked-read', resourceType: NOTIFICATION_RESOURCE, resourceId: id,
        patientId: caller.role === 'patient' ? caller.patientId : null,
      }, tx);
    }
    return notificationView(row);
  });
}
