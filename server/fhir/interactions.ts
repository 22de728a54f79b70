import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { Transaction } from 'sequelize';
import { nextVersion } from '../../db/versions.js';
import { recordAudit } from '../audit/audit-log.js';
import { Invalid, MethodNotAllowed, NotFound, PreconditionFailed, Unprocessable } from '../http/errors.js';
import { assertNamedPatientAccess, assertRowAccess, assertTypeAccess, domainRowAccessSql, resourceNotFound } from './access.js';
import { assertFitsColumns } from './column-fit.js';
import { definitionOf, type FhirContext, type ResourceDefinition, type Row } from './registry.js';
import { findMatches, plainRow, type SearchQuery } from './search.js';
import { changeRecord, created, resourcesOfRows } from './repository/records.js';
import { loadDomainRow, versionsOf, type DomainTable } from './repository/store.js';
import { fieldsOf, validateIncoming } from './validate.js';
import { newResourceId } from './repository/resource-id.js';

/** A resource as stored: the resource itself plus what the HTTP layer turns into ETag, Location, Last-Modified. */
export interface Stored {
  resource: Resource;
  versionId: string;
  lastUpdated: string;
  /** 201 for a create, 200 otherwise. */
  status: number;
  /**
   * The resource's JSON exactly as stored, when the interaction read it from the store: answered as it is,
   * without serialising `resource` again (http.ts `sendStored`).
   */
  content?: string;
}

type WriteContext = FhirContext & { tx: Transaction };

function storedOf(resource: Resource, status = 200): Stored {
  return { resource, versionId: resource.meta?.versionId ?? '1', lastUpdated: resource.meta?.lastUpdated ?? new Date().toISOString(), status };
}

function patientOf(definition: ResourceDefinition, row: Row): string | null {
  if (!definition.patientColumn) return null;
  const value = row[definition.patientColumn];
  return value === null || value === undefined ? null : String(value);
}

/** Whether `id` can name a row of the type: an id that a numeric key cannot hold is no row. */
function mayNameRow(definition: ResourceDefinition, ctx: FhirContext, id: string): boolean {
  const Model = definition.model(ctx.db);
  const keyType = Model.getAttributes()[Model.primaryKeyAttribute]?.type as { key?: string } | undefined;
  // MySQL would compare '7fcd…' with an integer key as 7 and answer AuditEvent/7.
  return !((keyType?.key === 'INTEGER' || keyType?.key === 'BIGINT') && !/^\d{1,18}$/.test(id));
}

/** A row by its FHIR id, or null. */
function findById(ctx: FhirContext, definition: ResourceDefinition, id: string) {
  if (!mayNameRow(definition, ctx, id)) return Promise.resolve(null);
  return definition.model(ctx.db).findByPk(id, { transaction: ctx.tx });
}

/** The table, key and patient columns of a domain type's rows (their database names). */
function domainTableOf(ctx: FhirContext, definition: ResourceDefinition): DomainTable {
  const Model = definition.model(ctx.db);
  const attributes = Model.getAttributes();
  const columnOf = (attribute: string) => attributes[attribute].field ?? attribute;
  return {
    table: Model.tableName, key: columnOf(Model.primaryKeyAttribute),
    ...(definition.patientColumn ? { patient: columnOf(definition.patientColumn) } : {}),
  };
}

/** Whether the type has a row with this id (one plain SELECT: a reference's check on every write). */
async function rowExists(ctx: FhirContext, definition: ResourceDefinition, id: string): Promise<boolean> {
  if (!mayNameRow(definition, ctx, id)) return false;
  const { table, key } = domainTableOf(ctx, definition);
  return (await ctx.db.select(`SELECT 1 AS found FROM \`${table}\` WHERE \`${key}\` = ?`, [id], ctx.tx)).length > 0;
}

async function loadRow(ctx: FhirContext, definition: ResourceDefinition, id: string): Promise<Row> {
  const instance = await findById(ctx, definition, id);
  if (!instance) throw resourceNotFound(definition.type, id);
  return plainRow(instance);
}

function audit(ctx: FhirContext, definition: ResourceDefinition, action: 'C' | 'R' | 'U' | 'D', activity: string, id: string, patientId: string | null) {
  return recordAudit(ctx.db, ctx.caller, { action, activity, resourceType: definition.type, resourceId: id, patientId }, ctx.tx);
}

/**
 * A read by id serves the stored JSON as stored: one plain SELECT reads what access needs of the domain row (does
 * it exist, whose is it, does the access rule let it through) with the stored resource beside it, so no ORM
 * instance is built and a row in the caller's care costs no second statement. A type whose rows are never stored
 * whole (AuditEvent, a read-only plug-in) is served from its mapping of the full row.
 */
export async function read(ctx: FhirContext, definition: ResourceDefinition, id: string): Promise<Stored> {
  if (definition.store) return definition.store.read(ctx, id);
  assertTypeAccess(ctx, definition, 'read'); // a type the caller may never read is refused before any lookup
  const domain = domainTableOf(ctx, definition);
  const found = mayNameRow(definition, ctx, id) ? await loadDomainRow(ctx.db, definition.type, domain, id, ctx.tx, domainRowAccessSql(ctx, definition, domain)) : undefined;
  if (!found) throw resourceNotFound(definition.type, id);
  if (!found.readable) await assertRowAccess(ctx, definition, found.patientId, 'read', id);
  await audit(ctx, definition, 'R', 'read', id, found.patientId);
  if (found.stored && !found.stored.deleted) return { ...storedOf(JSON.parse(found.stored.content) as Resource), content: found.stored.content };
  return storedOf(await storedResourceOf(ctx, definition, await loadRow(ctx, definition, id)));
}

/** The stored resource of a domain row (repository/records.ts). */
async function storedResourceOf(ctx: FhirContext, definition: ResourceDefinition, row: Row): Promise<Resource> {
  return (await resourcesOfRows(ctx.db, definition, [row], ctx.tx))[0];
}

/** Every stored version of a domain record, newest first (resources, version 1 included: migration 0320 made them so). */
async function versionsOfRecord(ctx: FhirContext, definition: ResourceDefinition, current: Row): Promise<Resource[]> {
  const byVersion = new Map<number, Resource>();
  for (const version of await versionsOf(ctx.db, definition.type, String(current.id), ctx.tx)) {
    if (version.content !== '') byVersion.set(Number(version.versionId), JSON.parse(version.content) as Resource);
  }
  const latest = await storedResourceOf(ctx, definition, current);
  byVersion.set(Number(latest.meta?.versionId ?? current.versionId ?? 1), latest);
  return [...byVersion.entries()].sort(([a], [b]) => b - a).map(([, resource]) => resource);
}

/** One version of a domain record, as versionsOfRecord would list it: the current one, else the stored version asked for. */
async function versionOfRecord(ctx: FhirContext, definition: ResourceDefinition, current: Row, versionId: number): Promise<Resource | undefined> {
  const latest = await storedResourceOf(ctx, definition, current);
  if (Number(latest.meta?.versionId ?? current.versionId ?? 1) === versionId) return latest;
  const [found] = await versionsOf(ctx.db, definition.type, String(current.id), ctx.tx, versionId);
  return found && found.content !== '' ? (JSON.parse(found.content) as Resource) : undefined;
}

export async function vread(ctx: FhirContext, definition: ResourceDefinition, id: string, version: string): Promise<Stored> {
  if (definition.store) return definition.store.vread(ctx, id, version);
  assertTypeAccess(ctx, definition, 'read');
  const current = await loadRow(ctx, definition, id);
  await assertRowAccess(ctx, definition, patientOf(definition, current), 'read', id);
  const found = /^\d{1,9}$/.test(version) ? await versionOfRecord(ctx, definition, current, Number(version)) : undefined;
  if (!found) throw new NotFound('version-not-found', `${definition.type}/${id} has no version ${version}.`);
  await audit(ctx, definition, 'R', 'vread', id, patientOf(definition, current));
  return storedOf(found);
}

/** Instance history, newest first (http.html#history); seeded rows may have no earlier versions stored. */
export async function history(ctx: FhirContext, definition: ResourceDefinition, id: string): Promise<Bundle> {
  if (definition.store) return definition.store.history(ctx, id);
  assertTypeAccess(ctx, definition, 'read');
  const current = await loadRow(ctx, definition, id);
  await assertRowAccess(ctx, definition, patientOf(definition, current), 'read', id);
  const versions = await versionsOfRecord(ctx, definition, current);
  await audit(ctx, definition, 'R', 'history', id, patientOf(definition, current));
  const entry = versions.map((resource): BundleEntry => {
    const first = resource.meta?.versionId === '1';
    return {
      fullUrl: `${ctx.baseUrl}/${definition.type}/${id}`,
      resource,
      request: { method: first ? 'POST' : 'PUT', url: first ? definition.type : `${definition.type}/${id}` },
      response: { status: first ? '201' : '200', etag: `W/"${resource.meta?.versionId}"`, lastModified: resource.meta?.lastUpdated },
    };
  });
  return { resourceType: 'Bundle', type: 'history', total: entry.length, entry };
}

/**
 * Local references must point at something that exists (no dangling Patient/123): checked for every reference
 * search parameter whose target type this server serves. 422 `unknown-reference` otherwise.
 */
async function assertReferencesExist(ctx: FhirContext, definition: ResourceDefinition, fields: Record<string, unknown>): Promise<void> {
  const checked = new Set<string>();
  for (const param of definition.searchParams) {
    const column = param.columns[0];
    const value = fields[column];
    const target = param.type === 'reference' && param.target?.length === 1 ? definitionOf(param.target[0]) : undefined;
    if (!target || target.store || checked.has(column) || typeof value !== 'string' || ctx.pendingReferences?.has(`${target.type}/${value}`)) continue;
    checked.add(column);
    if (!(await rowExists(ctx, target, value))) {
      throw new Unprocessable('unknown-reference', `${target.type}/${value} does not exist on this server.`, [
        { expression: `${definition.type}.${param.name}`, message: `${target.type}/${value} does not exist` },
      ]);
    }
  }
}

/**
 * The checks of a create or update that need no transaction, run before the write takes the writer (SQLite)
 * or its locks: access first, then the R4 validation, which can take half a second for a large resource and
 * is remembered for the same body (validate.ts), so the transaction that follows only repeats cheap checks.
 */
export async function checkBeforeWriting(ctx: FhirContext, definition: ResourceDefinition, body: unknown, existingId?: string): Promise<void> {
  if (definition.store) return definition.store.checkBeforeWriting(ctx, body, existingId);
  assertTypeAccess(ctx, definition, 'write');
  const existing = existingId === undefined ? null : await findById(ctx, definition, existingId);
  if (existing) await assertRowAccess(ctx, definition, patientOf(definition, plainRow(existing)), 'write', existingId);
  await assertNamedPatientAccess(ctx, definition, body);
  await validateIncoming(body, definition.type, ctx.config.fhirLimits);
}

/** Create (http.html#create); `id` is chosen by the caller only for transaction entries with urn:uuid fullUrls. */
export async function create(ctx: WriteContext, definition: ResourceDefinition, body: unknown, id: string = newResourceId()): Promise<Stored> {
  if (definition.store) return definition.store.create(ctx, body, id);
  assertTypeAccess(ctx, definition, 'write');
  await assertNamedPatientAccess(ctx, definition, body);
  const resource = await validateIncoming(body, definition.type, ctx.config.fhirLimits);
  if (definition.create) {
    const row = await definition.create(ctx, resource, id);
    return storedOf(await storedResourceOf(ctx, definition, row), 201);
  }
  const fields = fieldsOf(definition, resource, new Date());
  const patientId = definition.patientColumn === 'id' ? id : patientOf(definition, { id, ...fields });
  await assertRowAccess(ctx, definition, patientId, 'write');
  assertFitsColumns(definition.type, definition.model(ctx.db), fields);
  await assertReferencesExist(ctx, definition, fields);
  const instance = await definition.model(ctx.db).create({ ...fields, id }, { transaction: ctx.tx });
  await definition.afterWrite?.(ctx, plainRow(instance));
  return storedOf(await created(ctx, definition.type, instance, { action: 'C', activity: 'create' }, resource), 201);
}

/**
 * Conditional create (http.html#ccreate): no match → create; one match → that resource, nothing written;
 * several → 412.
 */
export async function createIfNoneExist(ctx: WriteContext, definition: ResourceDefinition, body: unknown, criteria: string, id?: string): Promise<Stored> {
  if (definition.store) return definition.store.createIfNoneExist(ctx, body, criteria, id);
  assertTypeAccess(ctx, definition, 'write');
  const query: SearchQuery = {};
  for (const [key, value] of new URLSearchParams(criteria.replace(/^.*\?/, ''))) {
    const existing = query[key];
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const { rows } = await findMatches(ctx, definition, query, { strict: true, limit: 2 });
  if (rows.length > 1) throw new PreconditionFailed('multiple-matches', `If-None-Exist matches more than one ${definition.type}; be more specific.`);
  if (rows.length === 1) return storedOf(await storedResourceOf(ctx, definition, rows[0]), 200);
  return create(ctx, definition, body, id);
}

/** Update (http.html#update) of an existing resource; `If-Match` must name the current version. */
export async function update(ctx: WriteContext, definition: ResourceDefinition, id: string, body: unknown, ifMatch?: string): Promise<Stored> {
  if (definition.store) return definition.store.update(ctx, id, body, ifMatch);
  assertTypeAccess(ctx, definition, 'write');
  const expected = ifMatch === undefined ? undefined : /^(?:W\/)?"?(\d+)"?$/.exec(ifMatch.trim())?.[1];
  if (ifMatch !== undefined && expected === undefined) throw new Invalid('invalid-if-match', 'If-Match must be a version ETag such as W/"3".');
  // Who may change this row, and for whom, is decided before the body is validated (access.ts).
  const existing = await loadRow(ctx, definition, id);
  await assertRowAccess(ctx, definition, patientOf(definition, existing), 'write', id);
  await assertNamedPatientAccess(ctx, definition, body);
  const resource = await validateIncoming(body, definition.type, ctx.config.fhirLimits);
  if (resource.id !== id) {
    throw new Invalid('id-mismatch', `The body's id must be ${id}, the id in the URL.`, [{ expression: `${definition.type}.id`, message: `must be ${id}` }]);
  }
  const fields = fieldsOf(definition, resource, new Date());
  const patientId = definition.patientColumn === 'id' ? id : patientOf(definition, { id, ...fields });
  if (patientId !== patientOf(definition, existing)) await assertRowAccess(ctx, definition, patientId, 'write');
  assertFitsColumns(definition.type, definition.model(ctx.db), fields);
  await assertReferencesExist(ctx, definition, fields);
  return writeVersion(ctx, definition, existing, fields, expected, 'U', 'update', resource);
}

/**
 * The one place a new version of an existing record is written: the row's projection conditional on the version
 * the writer saw, and the stored resource through the records (repository/records.ts): the resource sent by an
 * update, or the stored one with the projection's changes (a delete's entered-in-error status). `existing` is the
 * row as the interaction read it in this transaction; the records read it once more, changed.
 */
async function writeVersion(
  ctx: WriteContext, definition: ResourceDefinition, existing: Row, fields: Record<string, unknown>, expectedVersion: string | undefined,
  action: 'U' | 'D', activity: string, given?: Resource,
): Promise<Stored> {
  const Model = definition.model(ctx.db);
  const id = String(existing.id);
  const afterChange = action === 'U' && definition.afterWrite ? (row: Row) => definition.afterWrite!(ctx, row) : undefined;
  const { stored } = await changeRecord(ctx, definition.type, id, { action, activity }, async () => {
    const [count] = await Model.update({ ...fields, versionId: nextVersion(ctx.db) }, {
      where: { id, ...(expectedVersion ? { versionId: Number(expectedVersion) } : {}) }, transaction: ctx.tx,
    });
    if (count === 0) {
      throw expectedVersion
        ? new PreconditionFailed('version-conflict', `${definition.type}/${id} has changed since version ${expectedVersion}; read it again.`)
        : resourceNotFound(definition.type, id);
    }
  }, { given, before: existing, afterChange });
  return storedOf(stored!);
}

/** Clinical records are never hard-deleted: a delete writes an entered-in-error version. */
export async function remove(ctx: WriteContext, definition: ResourceDefinition, id: string, ifMatch?: string): Promise<Stored> {
  if (definition.store) return definition.store.remove(ctx, id, ifMatch);
  if (!definition.enteredInError) throw new MethodNotAllowed(['GET', 'PUT'], `${definition.type} records cannot be deleted.`);
  assertTypeAccess(ctx, definition, 'write');
  const existing = await loadRow(ctx, definition, id);
  const patientId = patientOf(definition, existing);
  await assertRowAccess(ctx, definition, patientId, 'write', id);
  const expected = ifMatch === undefined ? undefined : /(\d+)/.exec(ifMatch)?.[1];
  return writeVersion(ctx, definition, existing, definition.enteredInError, expected, 'D', 'delete');
}
