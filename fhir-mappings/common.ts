/**
 * Shared pieces of the row ⇄ resource mappings. Everything in fhir-mappings/ is pure: no I/O, no clock
 * reads other than what the caller passes in, so each mapping can be unit-tested on plain objects.
 */
import type { Identifier, Meta, Reference } from '@medplum/fhirtypes';

/** One problem found in an incoming resource, pointing at the element (FHIRPath) that is wrong. */
export interface ResourceIssue {
  expression: string;
  message: string;
}

/** Thrown by `fromResource` when a resource cannot be stored; the router turns it into a 422 OperationOutcome. */
export class InvalidResource extends Error {
  constructor(readonly issues: ResourceIssue[]) {
    // The first issue only: every issue is listed in the OperationOutcome, and a message joining them all,
    // repeated as each issue's diagnostics, made the answer grow with the square of the issues.
    const [first] = issues;
    super(`${first ? `${first.expression}: ${first.message}` : 'invalid'}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`);
    this.name = 'InvalidResource';
  }
}

/** Collects issues while a mapping reads a resource, then throws them all at once. */
export class IssueCollector {
  readonly issues: ResourceIssue[] = [];
  add(expression: string, message: string): void {
    this.issues.push({ expression, message });
  }
  throwIfAny(): void {
    if (this.issues.length) throw new InvalidResource(this.issues);
  }
}

/** The columns every versioned row carries. */
export interface VersionedRow {
  id: string;
  versionId: number;
  updatedAt: Date | string;
}

/** A row read back from resource_versions has its dates as ISO strings: accept both. */
export function instant(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function optionalInstant(value: Date | string | null | undefined): string | undefined {
  return value === null || value === undefined ? undefined : instant(value);
}

export function metaOf(row: VersionedRow, source?: string | null): Meta {
  return { versionId: String(row.versionId), lastUpdated: instant(row.updatedAt), ...(source ? { source } : {}) };
}

/**
 * An imported record's identity at its origin: the absolute URL of the resource it was copied from, as a
 * secondary URI identifier (`meta.source` names the partner; this names the record there).
 */
export function originIdentifier(type: string, row: { source: string | null; sourceId?: string | null }): Identifier[] | undefined {
  return row.source && row.sourceId
    ? [{ use: 'secondary', system: 'urn:ietf:rfc:3986', value: `${row.source.replace(/\/+$/, '')}/${type}/${row.sourceId}` }]
    : undefined;
}

/** `Reference<never>` fits every typed reference element (Reference<Patient>, Reference<Group | Patient> …). */
export function reference(type: string, id: string | null | undefined, display?: string): Reference<never> | undefined {
  if (!id) return undefined;
  return { reference: `${type}/${id}`, ...(display ? { display } : {}) };
}

/**
 * The id a reference points at when it names the expected type: `Patient/123` → `123`. Absolute URLs to
 * this node and `urn:uuid:` references are resolved by the caller (transactions) before mapping.
 */
export function referencedId(
  ref: Reference | undefined, type: string, expression: string, issues: IssueCollector, required = true,
): string | null {
  if (!ref?.reference) {
    if (required) issues.add(expression, `a reference to a ${type} is required`);
    return null;
  }
  const match = /^(?:.*\/)?([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/\d+)?$/.exec(ref.reference);
  if (!match || match[1] !== type) {
    issues.add(`${expression}.reference`, `must reference a ${type} (${type}/<id>), not "${ref.reference}"`);
    return null;
  }
  return match[2];
}

/** Drops undefined members so the JSON has no empty keys (FHIR forbids empty elements). */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;
}

export function oneOf<T extends string>(
  value: unknown, allowed: readonly T[], expression: string, issues: IssueCollector,
): T | undefined {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  issues.add(expression, value === undefined ? 'is required' : `must be one of ${allowed.join(', ')}`);
  return undefined;
}

export function requiredString(value: unknown, expression: string, issues: IssueCollector, max = 200): string {
  if (typeof value !== 'string' || !value.trim()) {
    issues.add(expression, 'is required');
    return '';
  }
  if (value.length > max) issues.add(expression, `is longer than ${max} characters`);
  return value;
}

/** A FHIR dateTime or instant → Date; dates without a time (YYYY-MM-DD) mean midnight UTC. */
export function parseDateTime(value: unknown, expression: string, issues: IssueCollector): Date | null {
  if (typeof value !== 'string' || !/^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/.test(value)) {
    issues.add(expression, 'must be a FHIR dateTime (YYYY-MM-DDThh:mm:ss+zz:zz)');
    return null;
  }
  const date = new Date(value.length === 4 ? `${value}-01-01` : value.length === 7 ? `${value}-01` : value);
  if (Number.isNaN(date.getTime())) {
    issues.add(expression, 'is not a real date');
    return null;
  }
  return date;
}

export function parseDate(value: unknown, expression: string, issues: IssueCollector): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    issues.add(expression, 'must be a date (YYYY-MM-DD)');
    return null;
  }
  return value;
}

/** Parses the components column (a JSON array) of a row, tolerating rows from resource_versions. */
export function parseJsonArray<T>(value: string | null | undefined): T[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? (parsed as T[]) : [];
  } catch {
    return [];
  }
}
