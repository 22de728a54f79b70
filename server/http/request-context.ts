import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Caller, Origin } from '../auth/caller.js';
import type { Logger } from '../logger.js';
import { Unauthorized } from './errors.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      requestId: string;
      log: Logger;
      caller?: Caller;
    }
  }
}

const INCOMING_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Gives every request an id (echoed as X-Request-Id) and a logger that carries it; logs one line when done. */
export function requestContext(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    req.requestId = incoming && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
    req.log = log.child({ requestId: req.requestId });
    res.setHeader('X-Request-Id', req.requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // The path only: query strings can carry access codes.
      req.log.info({
        method: req.method, path: req.path, status: res.statusCode, user: req.caller?.userId,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      }, 'request');
    });
    next();
  };
}

export function originOf(req: Request): Origin {
  return { ip: req.ip ?? null, requestId: req.requestId };
}

/** The authenticated caller; routes behind `authenticate` always have one. */
export function callerOf(req: Request): Caller {
  if (!req.caller) throw new Unauthorized('not-authenticated', 'Sign in first: this needs a Bearer access token.');
  return req.caller;
}
