import type { NextFunction, Request, Response } from 'express';
import { ConnectionError, TimeoutError } from 'sequelize';
import { WriterTimeout } from '../../db/connection.js';
import { isDatabaseBusy, isDatabaseUnavailable } from '../../db/unavailable.js';
import {
  DomainError, InternalError, type ErrorDetail, Invalid, MethodNotAllowed, NotFound, PayloadTooLarge, TooManyRequests, Unavailable,
  UnsupportedMediaType,
} from './errors.js';

/** Express's body parsers flag their errors with `type`; translate the ones a client can cause. */
function fromBodyParser(error: { type?: string; status?: number }): DomainError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return new Invalid('malformed-json', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new PayloadTooLarge('body-too-large', 'The request body is larger than this server accepts.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaType('unsupported-encoding', 'The request body encoding is not supported.');
    default:
      return error.status && error.status >= 400 && error.status < 500
        ? new Invalid('bad-request', 'The request could not be read.')
        : undefined;
  }
}

/** Seconds a client should wait before retrying when the database is busy or away. */
const DATABASE_RETRY_AFTER_SECONDS = 2;

/** The database's refusals that say "not now" rather than "wrong": 503 with Retry-After; nothing was saved. */
function fromDatabase(error: unknown): DomainError | undefined {
  if (error instanceof WriterTimeout) {
    return new Unavailable('database-busy', 'The change took too long and was not saved. Try again in a moment.', [],
      { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
  }
  if (isDatabaseBusy(error)) {
    return new Unavailable('database-busy', 'Other changes to the same records got in the way and this one was not saved. Try again in a moment.', [],
      { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
  }
  if (error instanceof ConnectionError || error instanceof TimeoutError) {
    return new Unavailable('database-unavailable', 'The records are not reachable right now; nothing was changed. Try again in a moment.', [],
      { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
  }
  if (isDatabaseUnavailable(error)) {
    // The connection broke under a statement: a COMMIT in flight may or may not have landed.
    return new Unavailable('database-unavailable',
      'The connection to the records was lost; the request may not have been carried out. Try again in a moment.', [],
      { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
  }
  return undefined;
}

function asDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  const database = fromDatabase(error);
  if (database) return database;
  if (error && typeof error === 'object') return fromBodyParser(error as { type?: string; status?: number });
  return undefined;
}

/**
 * At most this many details are listed in an answer, the last one saying how many more there were: a body
 * with 20,000 bad elements gets a short answer, not one as large as itself.
 */
export const LISTED_ISSUES = 100;

function listed(details: ErrorDetail[]): ErrorDetail[] {
  if (details.length <= LISTED_ISSUES) return details;
  return [...details.slice(0, LISTED_ISSUES - 1), { message: `… and ${details.length - LISTED_ISSUES + 1} more issues like these.` }];
}

export function problemJson(error: DomainError, instance: string) {
  return {
    type: `/problems/${error.code}`,
    title: error.message,
    status: error.status,
    code: error.code,
    instance,
    ...(error.details.length ? { errors: listed(error.details) } : {}),
    ...error.extra,
  };
}

export function operationOutcome(error: DomainError) {
  const issues = error.details.length ? listed(error.details) : [{ message: error.message }];
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((detail) => ({
      severity: 'error',
      code: error.issueType,
      details: { coding: [{ system: 'urn:internet-hospital:error', code: error.code }], text: detail.message },
      diagnostics: error.message,
      ...('expression' in detail && detail.expression ? { expression: [detail.expression] } : {}),
    })),
  };
}

/**
 * The one error handler: domain errors become problem+json (or an OperationOutcome under /fhir);
 * anything else is logged with its stack and answered with a plain 500 that reveals nothing.
 */
export function errorHandler() {
  // Express recognises an error handler by its four parameters.
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    let domain = asDomainError(error);
    if (!domain) {
      req.log.error({ err: error }, 'unhandled error');
      domain = new InternalError();
    } else if (domain.status >= 500) {
      req.log.error({ err: error }, domain.message);
    }
    if (res.headersSent) return;
    if (domain instanceof TooManyRequests) res.setHeader('Retry-After', String(domain.retryAfterSeconds));
    if (domain.status === 503 && typeof domain.extra.retryAfterSeconds === 'number') res.setHeader('Retry-After', String(domain.extra.retryAfterSeconds));
    if (domain instanceof MethodNotAllowed) res.setHeader('Allow', domain.allow.join(', '));
    if (domain.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    if (req.originalUrl.startsWith('/fhir')) {
      res.status(domain.status).type('application/fhir+json').send(JSON.stringify(operationOutcome(domain)));
    } else {
      res.status(domain.status).type('application/problem+json').send(JSON.stringify(problemJson(domain, req.originalUrl.split('?')[0])));
    }
  };
}

export function unknownRoute() {
  return (req: Request) => {
    throw new NotFound('no-such-route', `There is no ${req.method} ${req.path} here.`);
  };
}

/** For `router.route(path)…all(methodNotAllowed)`: 405 with the methods the path does answer. */
export function methodNotAllowed(req: Request): never {
  const methods = Object.keys((req.route as { methods: Record<string, boolean> }).methods)
    .filter((m) => m !== '_all').map((m) => m.toUpperCase());
  if (methods.includes('GET')) methods.push('HEAD');
  throw new MethodNotAllowed(methods, `${req.method} is not allowed here; use ${methods.join(', ')}.`);
}
