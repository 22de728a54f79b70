import '../resources/index.js';
import { isDeepStrictEqual } from 'node:util';
import type { Resource } from '@medplum/fhirtypes';
import { Op, QueryTypes, type Model, type Transaction, type WhereOptions } from 'sequelize';
import type { Database } from '../../../db/connection.js';
import { appendRow, appendRows } from '../../../db/insert.js';
import type { AuditAction } from '../../../db/models/audit-event.js';
import { nextVersion } from '../../../db/versions.js';
import { recordAudit, recordAudits } from '../../audit/audit-log.js';
import type { Caller, Origin } from '../../auth/caller.js';
import { definitionOf, registeredTypes, type ResourceDefinition, type Row } from '../registry.js';
import { lookupRowsOf, type LookupRows } from './index-rows.js';
import { appendVersion, replaceLookups } from './store.js';

/**
 * The one writer of a domain type's records (docs/fhir.md "How it is built"): the row of its own table (the
 * projection the use cases query), the resource stored whole in fhir_resources with its lookup rows, its version
 * in resource_versions and its audit event, all in the caller's transaction. /api use cases call `add` and
 * `change`; the /fhir interactions of a domain type (repository.ts) call them with the resource the client sent.
 *
 * - add: the row, then the resource `toResource(row)` (or the one sent, with the elements a domain rule sets,
 *   `ruledElements`, overlaid), version 1.
 * - change: a conditional UPDATE that bumps versionId (0 rows: null, the caller's Conflict), then the stored
 *   resource with ONLY the top-level elements whose mapping changed between the old row and the new one
 *   replaced, so what a partner wrote through /fhir (a second identifier, extensions) survives a phone change.
 *   Given a resource (a /fhir update), that resource is stored instead.
 */
export interface RecordContext {
  db: Database;
  /** Who writes: the audit event's actor (an Origin for the seed and the scheduler). */
  caller: Caller | Origin;
  tx: Transaction;
}

export interface RecordOptions {
  /** The audit event's activity (`create`, `book`, `cancel` …); default `create` / `update`. */
  activity?: string;
  action?: AuditAction;
  detail?: string;
  /** For an event before authentication (a registration), the account concerned. */
  userId?: string;
  /** The whole resource to store (a /fhir write): stored as sent, the type's ruledElements overlaid from the row. */
  resource?: Resource;
}

export interface ChangeOptions extends RecordOptions {
  /** Extra conditions of the UPDATE (`{ status: 'booked' }`): the change happens only if the row still meets them. */
  where?: WhereOptions;
  /** The version the writer saw (If-Match): the change happens only at that version. */
  expectedVersion?: number;
}

type Json = Resource & { id: string };
const elements = (resource: Resource) => resource as unknown as Record<string, unknown>;

/** The domain definition of a type whose rows live in their own table (its projection). */
export function projectionOf(type: string): ResourceDefinition & Required<Pick<ResourceDefinition, 'model'>> {
  const definition = definitionOf(type);
  if (!definition || definition.projectionOf || definition.versioned === false || !definition.model) {
    throw new Error(`${type} is not a domain type with its own table: write it through the repository`);
  }
  return definition as ResourceDefinition & Required<Pick<ResourceDefinition, 'model'>>;
}

/** Types derived from the same row (PractitionerRole from a Practitioner row), stored beside it. */
const derivedOf = (type: string) => registeredTypes().filter((d) => d.projectionOf === type);

function patientOf(definition: ResourceDefinition, row: Row): string | null {
  if (!definition.patientColumn) return null;
  const value = row[definition.patientColumn];
  return value === null || value === undefined ? null : String(value);
}

/** The elements the mapping produced differently for the old row and the new one: only those change. */
function merged(stored: Json, before: Resource, after: Resource): Json {
  const next: Record<string, unknown> = { ...stored };
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    if (key === 'id' || key === 'meta' || key === 'resourceType') continue;
    const was = elements(before)[key];
    const now = elements(after)[key];
    if (isDeepStrictEqual(was, now)) continue;
    if (now === undefined) delete next[key];
    else next[key] = now;
  }
  return next as unknown as Json;
}

/** The resource a client sent, with the elements a domain rule decides (a booking's status) taken from the row. */
function overlaid(definition: ResourceDefinition, sent: Resource, fromRow: Resource): Resource {
  const next: Record<string, unknown> = { ...sent };
  for (const key of definition.ruledElements ?? []) {
    const value = elements(fromRow)[key];
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next as unknown as Resource;
}

function stamped(resource: Resource, id: string, versionId: number, lastUpdated: Date): Json {
  return { ...resource, id, meta: { ...resource.meta, versionId: String(versionId), lastUpdated: lastUpdated.toISOString() } } as Json;
}

/** When the row last changed, as its mapping states it (meta.lastUpdated), else now. */
function lastUpdatedOf(definition: ResourceDefinition, row: Row): Date {
  const value = row[definition.lastUpdatedColumn ?? 'updatedAt'];
  return value instanceof Date ? value : value ? new Date(String(value)) : new Date();
}

async function storedContent(db: Database, type: string, id: string, tx: Transaction): Promise<Json | undefined> {
  const lock = db.dialect === 'mysql' ? ' FOR UPDATE' : '';
  const [row] = await db.sequelize.query<{ content: string }>(
    `SELECT content FROM fhir_resources WHERE resourceType = ? AND id = ?${lock}`, { replacements: [type, id], type: QueryTypes.SELECT, transaction: tx },
  );
  return row ? JSON.parse(row.content) as Json : undefined;
}

/** Writes version `versionId` of a resource whole: its row (inserted or replaced), lookups and version. */
export async function storeVersion(db: Database, tx: Transaction, resource: Json, fresh: boolean): Promise<void> {
  const { resourceType: type, id } = resource;
  const versionId = Number(resource.meta?.versionId);
  const lastUpdated = new Date(resource.meta!.lastUpdated!);
  const content = JSON.stringify(resource);
  if (fresh) {
    await appendRow(db, db.models.FhirResource, { resourceType: type, id, versionId, lastUpdated, deleted: false, content }, tx);
  } else {
    await db.models.FhirResource.update({ versionId, lastUpdated, deleted: false, content }, { where: { resourceType: type, id }, transaction: tx });
  }
  await replaceLookups(db, tx, type, id, lookupRowsOf(resource), fresh);
  await appendVersion(db, tx, type, id, versionId, lastUpdated, content);
}

async function writeResources(
  ctx: RecordContext, definition: ResourceDefinition, row: Row, resourceOf: (definition: ResourceDefinition, stored: Json | undefined) => Resource,
  fresh: boolean, audit: { action: AuditAction; activity: string; detail?: string; userId?: string },
): Promise<Json> {
  const versionId = Number(row.versionId ?? 1);
  const lastUpdated = lastUpdatedOf(definition, row);
  let main: Json | undefined;
  for (const d of [definition, ...derivedOf(definition.type)]) {
    const stored = fresh ? undefined : await storedContent(ctx.db, d.type, String(row.id), ctx.tx);
    const resource = stamped(resourceOf(d, stored), String(row.id), versionId, lastUpdated);
    await storeVersion(ctx.db, ctx.tx, resource, fresh || !stored);
    main ??= resource;
  }
  await recordAudit(ctx.db, ctx.caller, {
    action: audit.action, activity: audit.activity, resourceType: definition.type, resourceId: String(row.id),
    patientId: patientOf(definition, row), detail: audit.detail, userId: audit.userId,
  }, ctx.tx);
  return main!;
}

const plain = (instance: Model): Row => instance.get({ plain: true }) as Row;

/**
 * Creates a record: its row, then its resource version 1 and the audit event. Returns the model instance, as
 * `Model.create` would.
 */
export async function add<M extends Model = Model>(ctx: RecordContext, type: string, fields: Record<string, unknown>, options: RecordOptions = {}): Promise<M> {
  const definition = projectionOf(type);
  const instance = await definition.model(ctx.db).create({ versionId: 1, ...fields }, { transaction: ctx.tx }) as M;
  const row = plain(instance);
  await definition.afterWrite?.({ db: ctx.db, tx: ctx.tx }, row);
  await writeResources(ctx, definition, row, (d, stored) => {
    const fromRow = d.toResource(row);
    if (d !== definition) return stored ? merged(stored, fromRow, fromRow) : fromRow;
    return options.resource ? overlaid(d, options.resource, fromRow) : fromRow;
  }, true, { action: options.action ?? 'C', activity: options.activity ?? 'create', detail: options.detail, userId: options.userId });
  return instance;
}

/**
 * Changes a record: a conditional UPDATE (its `where`, its expected version) that bumps versionId, then the
 * stored resource (see above), its version and the audit event. null when no row met the conditions.
 */
export async function change<M extends Model = Model>(
  ctx: RecordContext, type: string, id: string, fields: Record<string, unknown>, options: ChangeOptions = {},
): Promise<M | null> {
  const definition = projectionOf(type);
  const Model = definition.model(ctx.db);
  // Locked first (MySQL), so the row the resource is merged from is the one this UPDATE changes.
  const before = await Model.findByPk(id, { transaction: ctx.tx, ...(ctx.db.dialect === 'mysql' ? { lock: ctx.tx.LOCK.UPDATE } : {}) });
  if (!before) return null;
  const conditions: WhereOptions[] = [{ id }];
  if (options.where) conditions.push(options.where);
  if (options.expectedVersion !== undefined) conditions.push({ versionId: options.expectedVersion });
  const [count] = await Model.update({ ...fields, versionId: nextVersion(ctx.db) }, { where: { [Op.and]: conditions }, transaction: ctx.tx });
  if (count === 0) return null;
  const instance = await Model.findByPk(id, { transaction: ctx.tx, rejectOnEmpty: true }) as M;
  const oldRow = plain(before);
  const row = plain(instance);
  if (options.resource) await definition.afterWrite?.({ db: ctx.db, tx: ctx.tx }, row);
  await writeResources(ctx, definition, row, (d, stored) => {
    const fromRow = d.toResource(row);
    if (d === definition && options.resource) return overlaid(d, options.resource, fromRow);
    return stored ? merged(stored, d.toResource(oldRow), fromRow) : fromRow;
  }, false, { action: options.action ?? 'U', activity: options.activity ?? 'update', detail: options.detail, userId: options.userId });
  return instance;
}

/** The system's own writes (the demo seed, the scheduler): audited as this origin. */
export const SYSTEM: Origin = { ip: null, requestId: 'system' };

/**
 * Removes a record whose row may go (a free slot the rules no longer offer): the conditional DELETE, then the
 * resource becomes a deletion (a version with no content, its search values gone) and the audit event.
 * Returns how many rows went (0 or 1).
 */
export async function remove(ctx: RecordContext, type: string, id: string, options: ChangeOptions = {}): Promise<number> {
  const definition = projectionOf(type);
  const removed = await definition.model(ctx.db).destroy({ where: { [Op.and]: [{ id }, options.where ?? {}] }, transaction: ctx.tx });
  if (removed === 0) return 0;
  const [stored] = await ctx.db.sequelize.query<{ versionId: number; content: string }>(
    'SELECT versionId, content FROM fhir_resources WHERE resourceType = ? AND id = ?', { replacements: [type, id], type: QueryTypes.SELECT, transaction: ctx.tx },
  );
  if (stored) {
    const now = new Date();
    const versionId = Number(stored.versionId) + 1;
    await ctx.db.models.FhirResource.update({ versionId, lastUpdated: now, deleted: true }, { where: { resourceType: type, id }, transaction: ctx.tx });
    await replaceLookups(ctx.db, ctx.tx, type, id, undefined, false);
    await appendVersion(ctx.db, ctx.tx, type, id, versionId, now, '');
  }
  await recordAudit(ctx.db, ctx.caller, {
    action: 'D', activity: options.activity ?? 'delete', resourceType: type, resourceId: id, detail: options.detail,
  }, ctx.tx);
  return removed;
}

/**
 * Creates many records of one type at once (a schedule's generated slots): one INSERT per table for the rows,
 * their resources, lookup rows, versions and audit events, so a two-week horizon stays one short transaction.
 */
export async function addMany(ctx: RecordContext, type: string, rows: Record<string, unknown>[], options: RecordOptions = {}): Promise<void> {
  if (rows.length === 0) return;
  const definition = projectionOf(type);
  if (derivedOf(type).length) throw new Error(`${type} has derived types: add its records one by one`);
  const instances = await definition.model(ctx.db).bulkCreate(rows.map((fields) => ({ versionId: 1, ...fields })), { transaction: ctx.tx });
  const resources = instances.map((instance) => {
    const row = plain(instance);
    return stamped(definition.toResource(row), String(row.id), 1, lastUpdatedOf(definition, row));
  });
  await appendRows(ctx.db, ctx.db.models.FhirResource, resources.map((r) => ({
    resourceType: type, id: r.id, versionId: 1, lastUpdated: new Date(r.meta!.lastUpdated!), deleted: false, content: JSON.stringify(r),
  })), ctx.tx);
  const lookups = resources.map(lookupRowsOf);
  for (const name of Object.keys(lookups[0]) as (keyof LookupRows)[]) {
    await appendRows(ctx.db, ctx.db.models[name], lookups.flatMap((l) => l[name]), ctx.tx);
  }
  await appendRows(ctx.db, ctx.db.models.ResourceVersion, resources.map((r) => ({
    resourceType: type, resourceId: r.id, versionId: 1, recordedAt: new Date(r.meta!.lastUpdated!), content: JSON.stringify(r),
  })), ctx.tx);
  await recordAudits(ctx.db, ctx.caller, resources.map((r, i) => ({
    action: 'C' as const, activity: options.activity ?? 'create', resourceType: type, resourceId: r.id, patientId: patientOf(definition, plain(instances[i])),
  })), ctx.tx);
}
