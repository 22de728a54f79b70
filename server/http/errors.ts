/**
 * The one error model. Services throw these; server/http/error-handler.ts turns them into
 * application/problem+json (under /api and /auth) or a FHIR OperationOutcome (under /fhir).
 * `code` is a stable, documented machine-readable reason (docs/api.md lists them) so clients need not parse text.
 */
export type IssueType =
  | 'invalid' | 'structure' | 'required' | 'value' | 'security' | 'login' | 'forbidden' | 'not-found'
  | 'conflict' | 'duplicate' | 'deleted' | 'business-rule' | 'throttled' | 'not-supported' | 'exception'
  | 'processing' | 'too-costly' | 'expired' | 'informational';

export interface ErrorDetail {
  /** FHIRPath-like pointer to the offending element, e.g. `Observation.valueQuantity.value` or `body.username`. */
  expression?: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issueType: IssueType,
    readonly details: ErrorDetail[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

type Args = [code: string, message: string, details?: ErrorDetail[], extra?: Record<string, unknown>];

export class Invalid extends DomainError {
  constructor(...[code, message, details, extra]: Args) { super(400, code, message, 'invalid', details, extra); }
}
export class Unprocessable extends DomainError {
  constructor(...[code, message, details, extra]: Args) { super(422, code, message, 'business-rule', details, extra); }
}
export class Unauthorized extends DomainError {
  constructor(...[code, message, details, extra]: Args) { super(401, code, message, 'login', details, extra); }
}
export class Forbidden extends DomainError {
  constructor(...[code, message, details, extra]: Args) { super(403, code, message, 'forbidden', details, extra); }
}
export class NotFound extends DomainError {
  constructor(...[code, message, details, extra]: Args) { super(404, code, message, 'not-found', details, extra); }
}
export class MethodNotAllowed extends DomainError {
  constructor(readonly allow: string[], message: string) { super(405, 'method-not-allowed', message, 'not-supported'); }
}
export class Conflict extends DomainError {
  constructor(...[code, message, details, extra]: Args) { super(409, code, message, 'conflict', details, extra); }
}
export class Gone extends DomainError {
  constructor(...[code, message, details, extra]: Args) { super(410, code, message, 'deleted', details, extra); }
}
export class PreconditionFailed extends DomainError {
  constructor(...[code, message, details, extra]: Args) { super(412, code, message, 'conflict', details, extra); }
}
export class PayloadTooLarge extends DomainError {
  constructor(...[code, message, details, extra]: Args) { super(413, code, message, 'too-costly', details, extra); }
}
export class UnsupportedMediaType extends DomainError {
  constructor(...[code, message, details, extra]: Args) { super(415, code, message, 'not-supported', details, extra); }
}
export class TooManyRequests extends DomainError {
  constructor(readonly retryAfterSeconds: number, message: string) {
    super(429, 'too-many-requests', message, 'throttled');
  }
}
/** A fault on our side; its message must reveal nothing about the cause. */
export class InternalError extends DomainError {
  constructor() { super(500, 'internal-error', 'Something went wrong on our side. Nothing was changed; try again.', 'exception'); }
}
export class Unavailable extends DomainError {
  constructor(...[code, message, details, extra]: Args) { super(503, code, message, 'exception', details, extra); }
}
