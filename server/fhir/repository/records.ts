import { isDeepStrictEqual } from 'node:util';
import type { Resource } from '@medplum/fhirtypes';
import type { Model, Transaction } from 'sequelize';
import type { Database } from '../../../db/connection.js';
import type { AuditAction } from '../../../db/models/audit-event.js';
import type { Origin } from '../../auth/caller.js';
import { definitionOf, type ResourceDefinition, type Row } from '../registry.js';
import { currentVersion, lookupsFor, writeFirstVersions, writeResourceVersion, type CurrentVersion, type WriterContext } from './repository.js';
import { contentsOf } from './store.js';

/**
 * The records of the domain types (Patient, Practitioner, Observation, Appointment …): the one writer use cases
 * call when they create or change one (docs/fhir.md "Domain records"). The resource is the record, stored whole in
 * fhir_resources with its lookup rows, a version in resource_versions and an audit event; the domain table's row
 * (bookings, readings …) is its projection, for the rules and the /api views, written in the same transaction.
 *
 * A use case keeps deciding races in SQL (a conditional UPDATE of its row); `change` wraps that UPDATE, maps the
 * row before and after it, and replaces in the stored resource only the elements whose mapping changed, so an
 * element the mapping does not know (a second given name, a note) survives every use case.
 */
export type RecordContext = WriterContext;

/** The audit event of a write. None for the hospital's calendar (Slot, Schedule), which no one audits. */
export interface RecordAct {
  action: AuditAction;
  activity: string;
  detail?: string;
  /** Before authentication (a registration), the account concerned. */
  userId?: string;
}

/** Who changes the hospital's calendar (slots opening, taken, freed): the node itself; these writes are not audited. */
export const CALENDAR: Origin = { ip: null, requestId: 'calendar' };

type Json = Resource & { id: string };
type RowLike = Model | Row;

/** Types whose rows hold another type's resource too: a practitioner's row is also its PractitionerRole. */
const COMPANIONS: Readonly<Record<string, string[]>> = { Practitioner: ['PractitionerRole'] };

let declarations: Promise<unknown> | undefined;

/** The registry's declaration of a domain type (loaded on first use: use cases may run before the FHIR router is built). */
async function domainDefinition(type: string): Promise<ResourceDefinition> {
  declarations ??= import('../resources/index.js');
  await declarations;
  const definition = definitionOf(type);
  if (!definition || definition.store) throw new Error(`${type} is not a domain type with a table`);
  return definition;
}

const plainOf = (row: RowLike): Row => ('get' in row && typeof row.get === 'function' ? (row as Model).get({ plain: true }) : row) as Row;

function patientOf(definition: ResourceDefinition, row: Row): string | null {
  const value = definition.patientColumn ? row[definition.patientColumn] : undefined;
  return value === null || value === undefined ? null : String(value);
}

/** When the projection changed: the row's own timestamp, so `_lastUpdated` (a column) and meta.lastUpdated agree. */
const changedAt = (row: Row) => (row.updatedAt instanceof Date ? row.updatedAt : new Date());

interface WriteOptions {
  act?: RecordAct;
  patientId: string | null;
  at: Date;
  /** Write a version even when the resource is unchanged (the row was versioned, or a FHIR update asked for one). */
  force?: boolean;
  /**
   * The resource as its client sent it, when `next` is that resource stored as sent (its id and meta aside): `next`
   * then has its lookup rows, which a transaction Bundle may have prepared already (repository.ts `lookupsFor`).
   */
  sent?: Resource;
}

/** Writes `next` as the next version of its stored resource (version 1 when none is stored), through the repository's one writer. */
function writeRecord(ctx: RecordContext, next: Json, current: CurrentVersion | null | 'load', options: WriteOptions): Promise<Json> {
  const { act } = options;
  return writeResourceVersion(ctx, {
    type: next.resourceType, id: next.id, next, current, at: options.at, skipUnchanged: !options.force,
    lookups: options.sent && lookupsFor(options.sent, String(next.id)),
    audit: act && { ...act, patientId: options.patientId },
  });
}

/** The row's versionId follows the stored resource's, so an ETag read from either names the same version. */
async function alignRowVersion(ctx: RecordContext, definition: ResourceDefinition, row: Row, stored: Json): Promise<void> {
  const versionId = Number(stored.meta?.versionId);
  if (!('versionId' in row) || Number(row.versionId) === versionId) return;
  await definition.model(ctx.db).update({ versionId }, { where: { id: row.id }, transaction: ctx.tx, silent: true });
  row.versionId = versionId;
}

async function recordCompanions(ctx: RecordContext, type: string, row: Row, at: Date, force: boolean): Promise<void> {
  for (const companion of COMPANIONS[type] ?? []) {
    const definition = await domainDefinition(companion);
    await writeRecord(ctx, definition.toResource(row) as Json, 'load', { patientId: null, at, force });
  }
}

/**
 * A row a use case has just created: its resource is stored as version 1, the row's mapping, or `given`, the
 * resource a FHIR client sent for it (POST /fhir/Patient), stored as sent. With `actAdds`, a domain act that
 * decides more than the client said (a booking by POST /fhir/Appointment finds the condition it is for) adds the
 * elements of its mapping the client left out.
 */
export async function created(
  ctx: RecordContext, type: string, instance: RowLike, act?: RecordAct, given?: Resource, actAdds = false,
): Promise<Json> {
  const definition = await domainDefinition(type);
  const row = plainOf(instance);
  const projected = definition.toResource(row) as Json;
  const resource = given ? (Object.assign(actAdds ? { ...projected } : {}, given, { id: projected.id, meta: given.meta }) as Json) : projected;
  const at = changedAt(row);
  const sent = actAdds ? undefined : given;
  const stored = await writeRecord(ctx, resource, 'load', { act, patientId: patientOf(definition, row), at, force: true, sent });
  await alignRowVersion(ctx, definition, row, stored);
  await recordCompanions(ctx, type, row, at, true);
  return stored;
}

/**
 * Many rows a use case has just created at once (a schedule's slots): their resources stored as version 1 in one
 * INSERT per table, as `created` stores one. Rows new to the records only (none may have a stored resource yet).
 */
export async function createdAll(ctx: RecordContext, type: string, instances: RowLike[], act?: RecordAct): Promise<void> {
  if (instances.length === 0) return;
  const definition = await domainDefinition(type);
  const rows = instances.map(plainOf);
  const stored = await writeFirstVersions(ctx, type, rows.map((row) => ({
    id: String(row.id), next: definition.toResource(row), at: changedAt(row), audit: act && { ...act, patientId: patientOf(definition, row) ?? undefined },
  })));
  for (const [i, row] of rows.entries()) await alignRowVersion(ctx, definition, row, stored[i]);
}

type StoredVersion = CurrentVersion & { resource: Json };

/**
 * A row written behind the records (straight into its table) has no stored resource: a broken invariant, not a
 * state to serve. Rows of an older release are given theirs by migration 0320 (docs/fhir.md).
 */
const notRecorded = (type: string, id: unknown) => new Error(`${type}/${String(id)} has no stored resource: its row was written behind the records`);

/** The stored version of a row's resource, read once FOR UPDATE: the change that follows writes over exactly this version. */
async function storedVersion(ctx: RecordContext, definition: ResourceDefinition, row: Row): Promise<StoredVersion> {
  const found = await currentVersion(ctx.db, ctx.tx, definition.type, String(row.id));
  if (!found?.resource) throw notRecorded(definition.type, row.id);
  return found as StoredVersion;
}

async function rowOf(Rows: ReturnType<ResourceDefinition['model']>, id: string, tx: Transaction): Promise<Row | undefined> {
  const found = await Rows.findByPk(id, { transaction: tx });
  return found ? plainOf(found) : undefined;
}

/** `current` with every element whose mapping changed from `before` to `after` replaced by the new mapping. */
function merged(current: Json, before: Resource, after: Resource): Json {
  const next: Record<string, unknown> = { ...current };
  const was = before as unknown as Record<string, unknown>;
  const now = after as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(was), ...Object.keys(now)])) {
    if (key === 'meta' || key === 'id' || key === 'resourceType' || isDeepStrictEqual(was[key], now[key])) continue;
    if (now[key] === undefined) delete next[key];
    else next[key] = now[key];
  }
  return next as unknown as Json;
}

/**
 * A use case's change of a domain row: `change` runs its UPDATE(s) in the caller's transaction; when the row's
 * version moved, the stored resource gets the next version, the mapping's changed elements replacing its own
 * (or, with `given`, the whole resource a FHIR client sent). Nothing changed (a conditional UPDATE that lost its
 * race), nothing is written.
 */
export async function change<T>(ctx: RecordContext, type: string, id: string, act: RecordAct | undefined, changeRow: () => Promise<T>): Promise<T> {
  return (await changeRecord(ctx, type, id, act, changeRow)).result;
}

/** What a FHIR update adds to a use case's change. */
export interface RecordChange {
  /** The whole resource the client sent, stored as sent. */
  given?: Resource;
  /** The row as the caller already read it in this transaction, before the change (not read again). */
  before?: Row;
  /** Runs on the changed row before its record is written (a DiagnosticReport links its results). */
  afterChange?: (row: Row) => Promise<void>;
}

/** `change`, answering the stored resource too (undefined when nothing changed). */
export async function changeRecord<T>(
  ctx: RecordContext, type: string, id: string, act: RecordAct | undefined, changeRow: () => Promise<T>, options: RecordChange = {},
): Promise<{ result: T; stored?: Json }> {
  const { given } = options;
  const definition = await domainDefinition(type);
  const Rows = definition.model(ctx.db);
  const before = options.before ?? await rowOf(Rows, id, ctx.tx);
  const result = await changeRow();
  const after = before && await rowOf(Rows, id, ctx.tx);
  if (!before || !after) return { result };
  await options.afterChange?.(after);
  const versioned = Number(before.versionId) !== Number(after.versionId);
  if (!versioned && !given && isDeepStrictEqual(before, after)) return { result };
  return { result, stored: await recordProjection(ctx, definition, before, after, { act, given, force: versioned || !!given }) };
}

async function recordProjection(
  ctx: RecordContext, definition: ResourceDefinition, before: Row, after: Row, options: { act?: RecordAct; given?: Resource; force: boolean },
): Promise<Json> {
  const current = await storedVersion(ctx, definition, before);
  const next = options.given
    ? ({ ...options.given, id: current.resource.id } as Json)
    : merged(current.resource, definition.toResource(before), definition.toResource(after));
  const at = changedAt(after);
  const stored = await writeRecord(ctx, next, current, { act: options.act, patientId: patientOf(definition, after), at, force: options.force, sent: options.given });
  await alignRowVersion(ctx, definition, after, stored);
  for (const companion of COMPANIONS[definition.type] ?? []) {
    const other = await domainDefinition(companion);
    const mine = await storedVersion(ctx, other, before);
    await writeRecord(ctx, merged(mine.resource, other.toResource(before), other.toResource(after)), mine, { patientId: null, at, force: options.force });
  }
  return stored;
}

/**
 * The stored resources of domain rows (store.ts contentsOf), in their order. A type whose rows the records never
 * store answers its mapping: AuditEvent (written by the audit log, never versioned) and a read-only type plugged in
 * with a mapping alone; every row of a type the records write has its stored resource (migration 0320 for older rows).
 */
export async function resourcesOfRows(db: Database, definition: ResourceDefinition, rows: Row[], tx?: Transaction): Promise<Resource[]> {
  const contents = await contentsOf(db, definition.type, rows.map((row) => String(row.id)), tx);
  return rows.map((row) => {
    const content = contents.get(String(row.id));
    return content ? (JSON.parse(content) as Resource) : definition.toResource(row);
  });
}
