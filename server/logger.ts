import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Never pass passwords, tokens, access codes or secrets: the redaction is a safety net. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'internet-hospital' },
    redact: ['password', 'token', 'access_token', 'refresh_token', 'authorization', 'secret', 'accessCode'],
  });
}
