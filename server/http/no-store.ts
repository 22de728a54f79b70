import type { NextFunction, Request, Response } from 'express';

/**
 * Answers of the API, the FHIR API and the token endpoint may carry patient data or tokens: no cache, shared or
 * private, keeps them (RFC 9111 §5.2.2.5). Static assets of the browser app keep their caching.
 */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}
