import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { NotificationOutbox } from '../../db/models/notification-outbox.js';
import type { Logger } from '../logger.js';
import { everyInterval, type BackgroundWorker } from '../operations/background-loop.js';
import { rollSlotHorizons } from './set-availability.js';

export interface OutgoingNotification {
  id: string;
  kind: string;
  to: { patientId: string | null; practitionerId: string | null };
  payload: unknown;
}

/**
 * Where notifications go: the log, or e-mail (server/notifications/). `deliver` resolves once the message is
 * handed over, resolves with `skipped` when it can never be (no address), and throws when it should be retried.
 */
export interface NotificationTransport {
  deliver(message: OutgoingNotification): Promise<void | { skipped: string }>;
}

export function logTransport(log: Logger): NotificationTransport {
  return {
    async deliver(message) {
      log.info({ notification: message.id, kind: message.kind, to: message.to, payload: message.payload }, 'notification delivered');
    },
  };
}

const MAX_ATTEMPTS = 5;
/** A claim older than this belongs to a worker that died mid-delivery: the event is tried again. */
const STALE_CLAIM_MS = 5 * 60_000;
const HORIZON_EVERY_MS = 60 * 60_000;

/**
 * Delivers due outbox events. Each event is claimed with a conditional update (pending → sending), so several
 * workers (several server instances) never deliver one event twice; delivered events become sent, failed ones
 * go back to pending until MAX_ATTEMPTS.
 */
export async function deliverDueNotifications(db: Database, transport: NotificationTransport, now = new Date(), batch = 50): Promise<number> {
  const { NotificationOutbox: Outbox } = db.models;
  await Outbox.update({ status: 'pending', claimedAt: null },
    { where: { status: 'sending', claimedAt: { [Op.lt]: new Date(now.getTime() - STALE_CLAIM_MS) } } });
  const due = await Outbox.findAll({ where: { status: 'pending', dueAt: { [Op.lte]: now } }, order: [['dueAt', 'ASC']], limit: batch });
  let sent = 0;
  for (const event of due) {
    const [claimed] = await Outbox.update({ status: 'sending', claimedAt: now }, { where: { id: event.id, status: 'pending' } });
    if (claimed !== 1) continue;
    sent += await deliverOne(db, transport, event);
  }
  return sent;
}

async function deliverOne(db: Database, transport: NotificationTransport, event: NotificationOutbox): Promise<number> {
  const { NotificationOutbox: Outbox } = db.models;
  try {
    const outcome = await transport.deliver({
      id: event.id, kind: event.kind, to: { patientId: event.recipientPatientId, practitionerId: event.recipientPractitionerId },
      payload: JSON.parse(event.payload),
    });
    if (outcome?.skipped) {
      await Outbox.update({ status: 'skipped', attempts: event.attempts + 1, lastError: outcome.skipped.slice(0, 500) },
        { where: { id: event.id, status: 'sending' } });
      return 0;
    }
    await Outbox.update({ status: 'sent', sentAt: new Date(), attempts: event.attempts + 1 }, { where: { id: event.id, status: 'sending' } });
    return 1;
  } catch (error) {
    const attempts = event.attempts + 1;
    await Outbox.update({
      status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending', attempts, claimedAt: null,
      lastError: (error instanceof Error ? error.message : String(error)).slice(0, 500),
    }, { where: { id: event.id, status: 'sending' } });
    return 0;
  }
}

/**
 * The appointments background worker: every `intervalMs` it delivers due notifications, and once an hour it
 * extends every schedule's rolling slot horizon. `stop()` waits for the running tick to finish.
 */
export function startAppointmentsWorker(db: Database, transport: NotificationTransport, log: Logger, intervalMs: number): BackgroundWorker {
  let lastRoll = 0;
  return everyInterval(intervalMs, async () => {
    await deliverDueNotifications(db, transport);
    if (Date.now() - lastRoll >= HORIZON_EVERY_MS) {
      lastRoll = Date.now();
      const created = await rollSlotHorizons(db);
      if (created) log.info({ created }, 'slot horizon extended');
    }
  }, (error) => log.error({ err: error }, 'appointments worker tick failed'));
}
