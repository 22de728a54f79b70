import { isDeepStrictEqual } from 'node:util';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { Transaction } from 'sequelize';
import type { Database } from '../../../db/connection.js';
import { recordAudit, recordAudits } from '../../audit/audit-log.js';
import type { AuditAction } from '../../../db/models/audit-event.js';
import type { Caller, Origin } from '../../auth/caller.js';
import { Conflict, Gone, Invalid, NotFound, PreconditionFailed } from '../../http/errors.js';
import { resourceNotFound } from '../access.js';
import type { Stored } from '../interactions.js';
import type { FhirContext } from '../registry.js';
import { validateIncoming } from '../validate.js';
import { assertResourceAccess, assertTypeReach, searchAccessSql } from './access-rule.js';
import { lookupRowsOf, patientsOf, type LookupRows } from './index-rows.js';
import { findMatches } from './search.js';
import { appendVersion, insertFirstRows, insertLookups, insertRow, loadRow, loadRowWithPatients, replaceLookups, replaceRow, versionsOf, type StoredRow } from './store.js';
import { newResourceId } from './resource-id.js';

/**
 * The FHIR repository: the one writer of the resources it stores, of their versions (every one, version 1
 * included) and of their audit events. A write stores the resource row, its lookup rows, its version and its
 * audit event in one transaction; a read audits through recordAudit without one (group-committed). What is read
 * back is what was written, element for element: only `id`, `meta.versionId` and `meta.lastUpdated` are ours.
 * Modelled on Medplum's Repository (packages/server/src/fhir/repo.ts); docs/fhir.md "The repository".
 */
type WriteContext = FhirContext & { tx: Transaction };
type Json = Resource & { id: string };

/** Runs `work` in the caller's transaction (a transaction Bundle's, a route's `writing`) or in a new one. */
function inTransaction<T>(ctx: FhirContext, work: (ctx: WriteContext) => Promise<T>): Promise<T> {
  return ctx.tx ? work(ctx as WriteContext) : ctx.db.transaction((tx) => work({ ...ctx, tx }));
}

/** The audit event of an access to `resource`; `patients`, when the stored compartment rows gave them already. */
function audit(ctx: FhirContext, action: AuditAction, activity: string, resource: Json, patients = patientsOf(resource)) {
  return recordAudit(ctx.db, ctx.caller, {
    action, activity, resourceType: resource.resourceType, resourceId: resource.id, patientId: patients[0] ?? null,
  }, ctx.tx);
}

const storedOf = (resource: Json, status = 200): Stored => ({
  resource, versionId: resource.meta?.versionId ?? '1', lastUpdated: resource.meta?.lastUpdated ?? '', status,
});

/** The resource as stored: the given one with our id and version stamped on it, nothing else changed. */
export function stamped(resource: Resource, id: string, versionId: number, lastUpdated: Date): Json {
  return { ...resource, id, meta: { ...resource.meta, versionId: String(versionId), lastUpdated: lastUpdated.toISOString() } } as Json;
}

/** Who writes, in which transaction: a FHIR request, or a use case (records.ts, derived-records.ts) in its own. */
export interface WriterContext {
  db: Database;
  caller: Caller | Origin;
  tx: Transaction;
}

/** The version a write replaces, as its transaction read it (FOR UPDATE): its number and, unless it is a deletion, its resource. */
export interface CurrentVersion {
  versionId: number;
  resource?: Json;
}

/** The access AuditEvent of a write. */
export interface WriteAudit {
  action: AuditAction;
  activity: string;
  detail?: string;
  /** Before authentication (a registration), the account concerned. */
  userId?: string;
  /** The patient the event is about when the writer knows it better than the resource's compartment (a domain row's). */
  patientId?: string | null;
}

export interface ResourceWrite {
  type: string;
  id: string;
  /** The next state of the resource, our meta not yet stamped on it; undefined: its deletion. */
  next?: Resource;
  /** The version it replaces, read FOR UPDATE in this transaction (null: none is stored, this is version 1), or 'load' it here. */
  current: CurrentVersion | null | 'load';
  at: Date;
  /** The lookup rows of `next`, computed before the writer was taken (they do not depend on our meta). */
  lookups?: LookupRows;
  /** `next` equal to the stored resource (meta aside) writes nothing: a use case's act that changed nothing it shows. */
  skipUnchanged?: boolean;
  /** None for the hospital's calendar and for the companions of a record, which no one audits. */
  audit?: WriteAudit;
}

/** The stored version of a resource, read FOR UPDATE (a lock on MySQL; SQLite has one writer), or null. */
export async function currentVersion(db: Database, tx: Transaction, type: string, id: string): Promise<CurrentVersion | null> {
  const row = await loadRow(db, type, id, tx, true);
  return row ? { versionId: row.versionId, resource: row.deleted ? undefined : (JSON.parse(row.content) as Json) } : null;
}

const withoutMeta = (resource: Resource) => ({ ...resource, meta: undefined });

/**
 * Lookup rows computed ahead of a write, before the writer is taken, and found again by the write of the same
 * resource object under the same id. A transaction Bundle prepares each entry's while the validation thread works
 * through the other entries (bundle.ts); computed in its transaction instead, the FHIRPath held SQLite's writer for
 * about a quarter of a Synthea import's transaction (docs/performance.md "Synthea import: lookup rows prepared
 * outside the transaction"). Keyed by the object, as validate.ts keys its validations: the rows never depend on
 * the version and time the write stamps on.
 */
const preparedLookups = new WeakMap<object, { id: string; rows: LookupRows }>();

/** Computes and keeps the lookup rows that `resource`, stored under `id`, will have. */
export function prepareLookups(resource: Resource, id: string): void {
  preparedLookups.set(resource, { id, rows: lookupRowsOf({ ...resource, id } as Json) });
}

/** The lookup rows `resource` will have under `id` (whatever version and time it is stamped with): prepared ahead, or computed now. */
export function lookupsFor(resource: Resource, id: string): LookupRows {
  const prepared = preparedLookups.get(resource);
  return prepared?.id === id ? prepared.rows : lookupRowsOf({ ...resource, id } as Json);
}

/**
 * The one writer of a resource's versions (docs/fhir.md "The repository"): the resource row, conditional on the
 * version it replaces, its lookup rows, the version row and the audit event, all in the caller's transaction.
 * Every route to a stored resource comes here: the FHIR interactions below, a domain record (records.ts), the
 * record of a domain act (derived-records.ts). Answers the resource as stored (undefined for a deletion).
 */
export async function writeResourceVersion(ctx: WriterContext, write: ResourceWrite & { next: Resource }): Promise<Json>;
export async function writeResourceVersion(ctx: WriterContext, write: ResourceWrite): Promise<Json | undefined>;
export async function writeResourceVersion(ctx: WriterContext, write: ResourceWrite): Promise<Json | undefined> {
  const { type, id, next, at } = write;
  const current = write.current === 'load' ? await currentVersion(ctx.db, ctx.tx, type, id) : write.current;
  if (write.skipUnchanged && next && current?.resource && isDeepStrictEqual(withoutMeta(current.resource), withoutMeta(next))) return current.resource;
  const versionId = current ? current.versionId + 1 : 1;
  const stored = next && stamped(next, id, versionId, at);
  const content = stored ? JSON.stringify(stored) : '';
  if (!current) await insertRow(ctx.db, ctx.tx, type, id, at, content);
  else if (!(await replaceRow(ctx.db, ctx.tx, type, id, { versionId, lastUpdated: at, deleted: !stored, content: stored && content }))) {
    throw new Conflict('concurrent-update', `${type}/${id} was changed by another request at the same moment; read it again.`);
  }
  const lookups = next && (write.lookups ?? lookupsFor(next, id));
  await replaceLookups(ctx.db, ctx.tx, type, id, lookups, !current);
  await appendVersion(ctx.db, ctx.tx, type, id, versionId, at, content);
  if (write.audit) await auditWrite(ctx, write, current, lookups);
  return stored;
}

/** Version 1 of a resource new to the store, one of many written together. */
export interface FirstVersion {
  id: string;
  next: Resource;
  at: Date;
  audit?: WriteAudit;
}

/**
 * The one writer's bulk form, for first versions only (a schedule's slots, hundreds at once): what
 * writeResourceVersion writes for each, the resource rows, lookup rows, versions and audit events, in one INSERT
 * per table. None of the resources may be stored yet (a duplicate id fails the INSERT, and the transaction with it).
 */
export async function writeFirstVersions(ctx: WriterContext, type: string, writes: FirstVersion[]): Promise<Json[]> {
  const stored = writes.map((write) => stamped(write.next, write.id, 1, write.at));
  const lookups = stored.map(lookupRowsOf);
  await insertFirstRows(ctx.db, ctx.tx, type, stored.map((resource, i) => ({ id: resource.id, lastUpdated: writes[i].at, content: JSON.stringify(resource) })));
  await insertLookups(ctx.db, ctx.tx, lookups);
  const audited = writes.flatMap((write, i) => write.audit ? [{ write, lookups: lookups[i] }] : []);
  if (audited.length > 0) {
    await recordAudits(ctx.db, ctx.caller, audited.map(({ write, lookups: rows }) => ({
      ...createAuditOf(write.audit!), resourceType: type, resourceId: write.id, patientId: write.audit!.patientId ?? compartmentPatientOf(rows),
    })), ctx.tx);
  }
  return stored;
}

/** The first patient whose compartment the resource is in, as its lookup rows already say (no second FHIRPath evaluation). */
export function compartmentPatientOf(lookups: LookupRows | undefined): string | null {
  const compartment = lookups?.FhirCompartment[0]?.patientId;
  return compartment === undefined || compartment === null ? null : String(compartment);
}

/** A first version is a create whatever the act; a create over a stored version is its update. */
function auditWrite(ctx: WriterContext, write: ResourceWrite, current: CurrentVersion | null, lookups: LookupRows | undefined) {
  const { action, activity, detail, userId, patientId } = write.audit!;
  return recordAudit(ctx.db, ctx.caller, {
    action: !current ? 'C' : action === 'C' ? 'U' : action, activity, detail, userId, resourceType: write.type, resourceId: write.id,
    patientId: patientId ?? compartmentPatientOf(lookups),
  }, ctx.tx);
}

const createAuditOf = ({ activity, detail, userId }: WriteAudit) => ({ action: 'C' as const, activity, detail, userId });

/**
 * The stored row of a resource the caller may `mode`; one they may not see answers as one that does not exist.
 * A read asks the row's SELECT whether the search filter of the same access rule lets it through: when it does,
 * the rule has allowed it (the filter never lets through what the row check refuses); otherwise the row check
 * decides, and audits a refusal.
 */
async function accessibleRow(ctx: FhirContext, type: string, id: string, mode: 'read' | 'write'): Promise<{ row: StoredRow & { patients?: string[] }; current: Json }> {
  assertTypeReach(ctx, type, mode);
  // A write locks the row and decides on the resource it replaces; a read decides on the stored compartment rows.
  const row: (StoredRow & { patients?: string[]; readable?: boolean }) | undefined = mode === 'write'
    ? await loadRow(ctx.db, type, id, ctx.tx, true) : await loadRowWithPatients(ctx.db, type, id, ctx.tx, searchAccessSql(ctx, type));
  if (!row) throw resourceNotFound(type, id);
  const current = JSON.parse(row.content) as Json;
  if (!row.readable) await assertResourceAccess(ctx, current, mode, id, row.patients);
  return { row, current };
}

const versionOfRow = (row: StoredRow, resource: Json): CurrentVersion => ({ versionId: row.versionId, resource: row.deleted ? undefined : resource });

const gone = (type: string, id: string) => new Gone('resource-deleted', `${type}/${id} has been deleted.`);

export async function read(ctx: FhirContext, type: string, id: string): Promise<Stored> {
  const { row, current } = await accessibleRow(ctx, type, id, 'read');
  if (row.deleted) throw gone(type, id);
  await audit(ctx, 'R', 'read', current, row.patients);
  return { ...storedOf(current), content: row.content };
}

export async function vread(ctx: FhirContext, type: string, id: string, version: string): Promise<Stored> {
  const { row, current } = await accessibleRow(ctx, type, id, 'read');
  const [found] = /^\d{1,9}$/.test(version) ? await versionsOf(ctx.db, type, id, ctx.tx, Number(version)) : [];
  if (!found) throw new NotFound('version-not-found', `${type}/${id} has no version ${version}.`);
  if (found.content === '') throw new Gone('resource-deleted', `Version ${version} of ${type}/${id} is its deletion.`);
  await audit(ctx, 'R', 'vread', current, row.patients);
  return { ...storedOf(JSON.parse(found.content) as Json), content: found.content };
}

/** Instance history, newest first (http.html#history); a deletion is an entry with no resource. */
export async function history(ctx: FhirContext, type: string, id: string): Promise<Bundle> {
  const { row, current } = await accessibleRow(ctx, type, id, 'read');
  const versions = await versionsOf(ctx.db, type, id, ctx.tx);
  await audit(ctx, 'R', 'history', current, row.patients);
  const entry = versions.map((version): BundleEntry => {
    const fullUrl = `${ctx.baseUrl}/${type}/${id}`;
    const recordedAt = new Date(version.recordedAt).toISOString();
    if (version.content === '') {
      return { fullUrl, request: { method: 'DELETE', url: `${type}/${id}` }, response: { status: '204', lastModified: recordedAt } };
    }
    const resource = JSON.parse(version.content) as Json;
    const first = Number(version.versionId) === 1;
    return {
      fullUrl, resource,
      request: { method: first ? 'POST' : 'PUT', url: first ? type : `${type}/${id}` },
      response: { status: first ? '201' : '200', etag: `W/"${version.versionId}"`, lastModified: recordedAt },
    };
  });
  return { resourceType: 'Bundle', type: 'history', total: entry.length, entry };
}

/**
 * The checks of a create or update that need no transaction, before the write takes the writer: access to the
 * type, to the stored resource and to the patients the body names, then the R4 validation (remembered for the
 * same body, so the write itself repeats only cheap checks).
 */
export async function checkBeforeWriting(ctx: FhirContext, type: string, body: unknown, existingId?: string): Promise<void> {
  assertTypeReach(ctx, type, 'write');
  if (existingId !== undefined) {
    const row = await loadRow(ctx.db, type, existingId);
    if (row) await assertResourceAccess(ctx, JSON.parse(row.content) as Json, 'write', existingId);
  }
  const resource = await validateIncoming(body, type, ctx.config.fhirLimits);
  await assertResourceAccess(ctx, resource, 'write');
}

export async function create(ctx: FhirContext, type: string, body: unknown, id: string = newResourceId()): Promise<Stored> {
  assertTypeReach(ctx, type, 'write');
  const resource = await validateIncoming(body, type, ctx.config.fhirLimits);
  await assertResourceAccess(ctx, resource, 'write');
  const at = new Date();
  // The FHIRPath of every search parameter (about a millisecond a resource) runs before the writer is taken: on
  // SQLite every other write waits while a transaction is open.
  const lookups = lookupsFor(resource, id);
  return inTransaction(ctx, async (c) => {
    if (await loadRow(c.db, type, id, c.tx)) throw new Conflict('duplicate-id', `${type}/${id} already exists.`);
    const stored = await writeResourceVersion(c, { type, id, next: resource, current: null, at, lookups, audit: { action: 'C', activity: 'create' } });
    return storedOf(stored, 201);
  });
}

/** `W/"3"`, `"3"` or `3` → 3; anything else is a 400 (an If-Match we cannot read must not be ignored). */
function expectedVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(ifMatch.trim());
  if (!match) throw new Invalid('invalid-if-match', 'If-Match must be a version ETag such as W/"3".');
  return Number(match[1]);
}

function assertVersion(type: string, id: string, row: StoredRow, expected: number | undefined): void {
  if (expected !== undefined && expected !== row.versionId) {
    throw new PreconditionFailed('version-conflict', `${type}/${id} is at version ${row.versionId}, not ${expected}; read it again.`);
  }
}

/** Update (http.html#update) of a stored resource (a deleted one comes back); `If-Match` must name the current version. */
export async function update(ctx: FhirContext, type: string, id: string, body: unknown, ifMatch?: string): Promise<Stored> {
  const expected = expectedVersion(ifMatch);
  return inTransaction(ctx, async (c) => {
    const { row, current } = await accessibleRow(c, type, id, 'write');
    const resource = await validateIncoming(body, type, c.config.fhirLimits);
    if (resource.id !== id) {
      throw new Invalid('id-mismatch', `The body's id must be ${id}, the id in the URL.`, [{ expression: `${type}.id`, message: `must be ${id}` }]);
    }
    await assertResourceAccess(c, resource, 'write');
    assertVersion(type, id, row, expected);
    const stored = await writeResourceVersion(c, {
      type, id, next: resource, current: versionOfRow(row, current), at: new Date(), audit: { action: 'U', activity: 'update' },
    });
    return storedOf(stored);
  });
}

/** Delete (http.html#delete): a new version that is a deletion, never a hard delete; deleting it again changes nothing. */
export async function remove(ctx: FhirContext, type: string, id: string, ifMatch?: string): Promise<Stored> {
  const expected = expectedVersion(ifMatch);
  return inTransaction(ctx, async (c) => {
    const { row, current } = await accessibleRow(c, type, id, 'write');
    if (row.deleted) return storedOf(current);
    assertVersion(type, id, row, expected);
    const at = new Date();
    await writeResourceVersion(c, {
      type, id, current: versionOfRow(row, current), at, audit: { action: 'D', activity: 'delete', patientId: patientsOf(current)[0] ?? null },
    });
    return storedOf(stamped(current, id, row.versionId + 1, at));
  });
}

/** Conditional create (http.html#ccreate): no match → create; one match → that resource, nothing written; several → 412. */
export async function createIfNoneExist(ctx: FhirContext, type: string, body: unknown, criteria: string, id?: string): Promise<Stored> {
  const query: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(criteria.replace(/^.*\?/, ''))) (query[key] ??= []).push(value);
  const { resources } = await findMatches(ctx, type, query, { strict: true, limit: 2 });
  if (resources.length > 1) throw new PreconditionFailed('multiple-matches', `If-None-Exist matches more than one ${type}; be more specific.`);
  if (resources.length === 1) return storedOf(resources[0] as Json);
  return create(ctx, type, body, id);
}
