import type { Database } from '../../db/connection.js';
import { logTransport, type NotificationTransport } from '../appointments/outbox-worker.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { emailTransport } from './email-transport.js';

/** E-mail through SMTP_URL when it is set; otherwise the server log (a demo or a node without mail). */
export function notificationTransport(db: Database, config: Config, log: Logger): NotificationTransport {
  const { smtpUrl } = config.mail;
  return smtpUrl ? emailTransport(db, { ...config.mail, smtpUrl }, config.publicBaseUrl) : logTransport(log);
}
