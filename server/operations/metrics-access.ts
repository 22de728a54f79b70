import type { NextFunction, Request, Response } from 'express';
import type { TokenIssuer } from '../auth/tokens.js';
import { bearerClaims } from '../http/authenticate.js';
import { Forbidden } from '../http/errors.js';
import { addressMatcher } from './address-ranges.js';

/**
 * /metrics is for the hospital's Prometheus (an address in METRICS_ALLOW, no token needed) and its admins (an
 * admin's access token from anywhere): it reveals traffic and load, not records. Without a token 401; any other 403.
 */
export function metricsAccess(allowed: string[], tokens: TokenIssuer) {
  const fromScraper = addressMatcher(allowed);
  return (req: Request, _res: Response, next: NextFunction) => {
    if (fromScraper(req.ip)) return next();
    if (bearerClaims(req, tokens).role !== 'admin') {
      throw new Forbidden('metrics-not-allowed', 'Metrics are for admins and for the scrape addresses in METRICS_ALLOW.');
    }
    next();
  };
}
