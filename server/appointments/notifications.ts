import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { NotificationKind } from '../../db/models/notification-outbox.js';
import type { Appointment } from '../../db/models/scheduling.js';
import { joinUrlOf } from './views.js';

export interface NotificationSettings { publicBaseUrl: string; reminderLeadMinutes: number }

type Recipient = 'patient' | 'practitioner';
type Notice = [kind: NotificationKind, dueAt: Date, recipient: Recipient, payload: Record<string, unknown>];

/** What an event not about an appointment names: its record, its one recipient, what it says. */
export interface RecordNotice {
  kind: NotificationKind;
  subjectId: string;
  to: { patientId: string } | { practitionerId: string };
  payload: Record<string, unknown>;
  dueAt?: Date;
}

/**
 * Queues an event about a prescription, a dispute or an alert in the transaction of the change it announces.
 * Its record's id goes in the outbox's appointmentId column (the kind says what it names).
 */
export async function queueNotice(db: Database, tx: Transaction, notice: RecordNotice) {
  await db.models.NotificationOutbox.create({
    id: crypto.randomUUID(), kind: notice.kind, appointmentId: notice.subjectId, dueAt: notice.dueAt ?? new Date(), status: 'pending',
    recipientPatientId: 'patientId' in notice.to ? notice.to.patientId : null,
    recipientPractitionerId: 'practitionerId' in notice.to ? notice.to.practitionerId : null,
    payload: JSON.stringify(notice.payload),
  }, { transaction: tx });
}

/** Outbox writes: always inside the transaction of the change they announce, so both commit or neither. */
async function enqueue(db: Database, tx: Transaction, appointment: Appointment, notices: Notice[]) {
  await db.models.NotificationOutbox.bulkCreate(notices.map(([kind, dueAt, recipient, payload]) => ({
    id: crypto.randomUUID(), kind, appointmentId: appointment.id, dueAt, status: 'pending',
    recipientPatientId: recipient === 'patient' ? appointment.patientId : null,
    recipientPractitionerId: recipient === 'practitioner' ? appointment.practitionerId : null,
    payload: JSON.stringify({
      appointmentId: appointment.id, visitType: appointment.visitType, start: appointment.start.toISOString(),
      end: appointment.end.toISOString(), ...payload,
    }),
  })), { transaction: tx });
}

/** Pending reminders of an appointment that is cancelled or moved must not go out. */
async function voidReminders(db: Database, tx: Transaction, appointmentId: string) {
  await db.models.NotificationOutbox.update({ status: 'void' },
    { where: { appointmentId, kind: 'appointment-reminder', status: 'pending' }, transaction: tx });
}

/** The last reminder goes when a video room opens (docs/video.md): 15 minutes before the start. */
export const LAST_REMINDER_MINUTES = 15;

/**
 * Two reminders to the patient: REMINDER_LEAD_MINUTES before (24 h by default) and 15 minutes before; each at
 * once when its moment has already passed.
 */
function reminders(appointment: Appointment, settings: NotificationSettings, now: Date): Notice[] {
  return [settings.reminderLeadMinutes, LAST_REMINDER_MINUTES].map((minutes): Notice => {
    const due = new Date(Math.max(now.getTime(), appointment.start.getTime() - minutes * 60_000));
    return ['appointment-reminder', due, 'patient', { leadMinutes: minutes, ...joinLink(appointment, settings) }];
  });
}

const joinLink = (appointment: Appointment, settings: NotificationSettings) =>
  (appointment.visitType === 'video-follow-up' ? { joinUrl: joinUrlOf(settings.publicBaseUrl, appointment.id) } : {});

export async function queueBooked(db: Database, tx: Transaction, appointment: Appointment, settings: NotificationSettings, now: Date) {
  await enqueue(db, tx, appointment, [
    ['appointment-booked', now, 'patient', joinLink(appointment, settings)],
    ['appointment-booked', now, 'practitioner', joinLink(appointment, settings)],
    ...reminders(appointment, settings, now),
  ]);
}

export async function queueCancelled(db: Database, tx: Transaction, appointment: Appointment, by: string, reason: string | null, now: Date) {
  await voidReminders(db, tx, appointment.id);
  await enqueue(db, tx, appointment, (['patient', 'practitioner'] as const).map((recipient): Notice =>
    ['appointment-cancelled', now, recipient, { cancelledBy: by, reason }]));
}

export async function queueRescheduled(db: Database, tx: Transaction, appointment: Appointment, previousStart: Date,
  settings: NotificationSettings, now: Date) {
  await voidReminders(db, tx, appointment.id);
  await enqueue(db, tx, appointment, [
    ...(['patient', 'practitioner'] as const).map((recipient): Notice =>
      ['appointment-rescheduled', now, recipient, { previousStart: previousStart.toISOString(), ...joinLink(appointment, settings) }]),
    ...reminders(appointment, settings, now),
  ]);
}
