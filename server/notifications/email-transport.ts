import nodemailer from 'nodemailer';
import type { Database } from '../../db/connection.js';
import type { NotificationKind } from '../../db/models/notification-outbox.js';
import type { NotificationTransport, OutgoingNotification } from '../appointments/outbox-worker.js';
import type { MailConfig } from '../config.js';
import { visitCalendar } from './icalendar.js';
import { composeMessage, type MessageFacts } from './messages.js';
import { counterpartName, findRecipient, type Recipient } from './recipients.js';

const VISIT_KINDS = new Set<NotificationKind>(['appointment-booked', 'appointment-rescheduled', 'appointment-cancelled', 'appointment-reminder']);
/** The messages that change the visit's calendar entry carry the .ics; a reminder does not repeat it. */
const CALENDAR_KINDS = new Set<NotificationKind>(['appointment-booked', 'appointment-rescheduled', 'appointment-cancelled']);

/** The outbox payload as queued (server/appointments/notifications.ts and the use cases that call queueNotice). */
interface Payload {
  appointmentId?: string; visitType?: 'video-follow-up' | 'in-person'; start?: string; end?: string; previousStart?: string;
  reason?: string | null; leadMinutes?: number; prescriptionId?: string; outcome?: string; alertKind?: string;
}

const dateOf = (iso: string | undefined) => (iso ? new Date(iso) : undefined);

/** Where the message sends its reader: pages of the web client, never anything that carries a secret. */
function linkFor(base: string, kind: NotificationKind, p: Payload, audience: Recipient['audience']): string {
  if (VISIT_KINDS.has(kind) && p.appointmentId) {
    if (audience === 'practitioner') return `${base}/#visit/${encodeURIComponent(p.appointmentId)}`;
    return p.visitType === 'video-follow-up' ? `${base}/visit/${encodeURIComponent(p.appointmentId)}` : `${base}/`;
  }
  if (kind === 'prescription-ready' && p.prescriptionId) return `${base}/#prescription/${encodeURIComponent(p.prescriptionId)}`;
  return `${base}/`;
}

const addressOf = (from: string) => /<([^>]+)>/.exec(from)?.[1] ?? from;

/**
 * Delivers outbox events as e-mail through SMTP_URL, in the recipient's language and time zone. A recipient
 * without an address is skipped with the reason; an SMTP refusal throws, so the outbox counts the attempt and
 * tries again.
 */
export function emailTransport(db: Database, mail: MailConfig & { smtpUrl: string }, publicBaseUrl: string): NotificationTransport & { close(): void } {
  const smtp = nodemailer.createTransport(mail.smtpUrl);
  const host = new URL(publicBaseUrl).host;
  return {
    async deliver(message: OutgoingNotification) {
      const recipient = await findRecipient(db, message.to);
      if (!recipient) return { skipped: 'the recipient no longer exists' };
      if (!recipient.email) return { skipped: `the ${recipient.audience} has no e-mail address` };
      const p = message.payload as Payload;
      const kind = message.kind as NotificationKind;
      const facts: MessageFacts = {
        kind, audience: recipient.audience, language: recipient.language, timeZone: recipient.timeZone,
        start: dateOf(p.start), end: dateOf(p.end), previousStart: dateOf(p.previousStart), visitType: p.visitType,
        counterpart: VISIT_KINDS.has(kind) && p.appointmentId ? await counterpartName(db, p.appointmentId, recipient.audience) : undefined,
        reason: p.reason, leadMinutes: p.leadMinutes, outcome: p.outcome, alertKind: p.alertKind,
        link: linkFor(publicBaseUrl, kind, p, recipient.audience),
      };
      const { subject, text } = composeMessage(facts);
      const cancelled = kind === 'appointment-cancelled';
      const calendar = CALENDAR_KINDS.has(kind) && p.appointmentId && facts.start && facts.end ? visitCalendar({
        appointmentId: p.appointmentId, host, start: facts.start, end: facts.end, summary: subject, url: facts.link,
        organizerEmail: addressOf(mail.from), cancelled, now: new Date(),
      }) : null;
      await smtp.sendMail({
        from: mail.from, to: recipient.email, subject, text,
        headers: { 'Content-Language': recipient.language, 'X-Notification-Id': message.id },
        attachments: calendar ? [{
          filename: cancelled ? 'cancelled-visit.ics' : 'visit.ics', content: calendar,
          contentType: `text/calendar; charset=utf-8; method=${cancelled ? 'CANCEL' : 'PUBLISH'}`,
        }] : [],
      });
      return undefined;
    },
    close: () => smtp.close(),
  };
}
