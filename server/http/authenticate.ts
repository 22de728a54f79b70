import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../../db/models/access.js';
import type { TokenIssuer } from '../auth/tokens.js';
import { Forbidden, Unauthorized } from './errors.js';
import { callerOf } from './request-context.js';

/** Requires a valid Bearer access token and puts its caller on the request. */
export function authenticate(tokens: TokenIssuer) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new Unauthorized('not-authenticated', 'Sign in first: this needs a Bearer access token.');
    const claims = tokens.verifyAccessToken(match[1]);
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
