import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../../db/models/access.js';
import type { AccessClaims, TokenIssuer } from '../auth/tokens.js';
import { Forbidden, Unauthorized } from './errors.js';
import { callerOf } from './request-context.js';

const verified = new WeakMap<Request, AccessClaims>();

/**
 * The claims of the request's Bearer access token (401 without a valid one), verified once per request: the
 * rate limiter keys on the subject before the route's `authenticate` runs.
 */
export function bearerClaims(req: Request, tokens: TokenIssuer): AccessClaims {
  const known = verified.get(req);
  if (known) return known;
  const header = req.get('authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) throw new Unauthorized('not-authenticated', 'Sign in first: this needs a Bearer access token.');
  const claims = tokens.verifyAccessToken(match[1]);
  verified.set(req, claims);
  return claims;
}

/** Requires a valid Bearer access token and puts its caller on the request. */
export function authenticate(tokens: TokenIssuer) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const claims = bearerClaims(req, tokens);
    req.caller = {
      userId: claims.sub, role: claims.role, patientId: claims.patient, practitionerId: claims.practitioner,
      organizationId: claims.org, scopes: claims.scope.split(' ').filter(Boolean), ip: req.ip ?? null,
      requestId: req.requestId,
    };
    next();
  };
}

/** Lets only the given roles through (after `authenticate`). */
export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const caller = callerOf(req);
    if (!roles.includes(caller.role)) {
      throw new Forbidden('wrong-role', `This is only for ${roles.join(' or ')} accounts.`);
    }
    next();
  };
}
