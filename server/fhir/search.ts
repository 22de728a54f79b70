import type { Bundle, BundleEntry, BundleLink, OperationOutcome } from '@medplum/fhirtypes';
import { Op, type Model, type ModelStatic, type WhereOptions } from 'sequelize';
import { boundLiterals } from '../../db/bound-literals.js';
import { recordAudit } from '../audit/audit-log.js';
import { Invalid } from '../http/errors.js';
import { FHIR_ID, isWellFormedText } from '../http/input-rules.js';
import { assertTypeAccess, compartmentWhere } from './access.js';
import { definitionOf, registeredTypes, type FhirContext, type ResourceDefinition, type Row, type SearchParamDefinition } from './registry.js';
import { columnShare, lookupParametersOf, lookupWhere } from './repository/domain-lookups.js';
import { resourcesOfRows } from './repository/records.js';
import { repositoryIncludesOf } from './repository/search-include.js';
import { conditionFor } from './search-params.js';

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 100;
/** How many resources one _revinclude may add to a page (the rest would make the page unbounded). */
const MAX_REVINCLUDED = 500;

/** Result parameters and paging, handled here rather than as filters (search.html#return). */
const CONTROL = new Set(['_count', '_sort', '_include', '_revinclude', '_format', '_cursor', '_pretty']);

export type SearchQuery = Record<string, string | string[] | undefined>;

interface Sort {
  name: string;
  column: string;
  descending: boolean;
}

export interface SearchOptions {
  /** `Prefer: handling=strict`: unknown parameters are an error instead of a warning. */
  strict: boolean;
  /** The URL of this search without paging (for self/next links). */
  selfUrl: string;
}

/**
 * Search parameters from a query string or a POST _search body: each value a string, or a list of strings when
 * repeated. A JSON body can hold anything else (`{"code":1}`); that is a 400 naming the parameter.
 */
export function searchQueryOf(values: Record<string, unknown>): SearchQuery {
  const query: SearchQuery = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'string' && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      throw new Invalid('invalid-search', `Search parameter ${name} must be a string (or a list of strings), as in a query string.`,
        [{ expression: name, message: 'not a string' }]);
    }
    query[name] = value;
  }
  return query;
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function idParam(): SearchParamDefinition {
  return { name: '_id', type: 'token', columns: ['id'], documentation: 'Logical id', sortable: true };
}

function lastUpdatedParam(definition: ResourceDefinition): SearchParamDefinition {
  return { name: '_lastUpdated', type: 'date', columns: [definition.lastUpdatedColumn ?? 'updatedAt'], documentation: 'When the resource last changed', sortable: true };
}

/** Every parameter of a type, including the common `_id` and `_lastUpdated`. */
export function searchParamsOf(definition: ResourceDefinition): SearchParamDefinition[] {
  return [idParam(), lastUpdatedParam(definition), ...definition.searchParams];
}

function parseSort(definition: ResourceDefinition, value: string | undefined, warnings: string[]): Sort {
  if (!value) return { name: '_id', column: 'id', descending: false };
  const [first, ...rest] = value.split(',');
  if (rest.length) warnings.push(`Only the first _sort key (${first}) is used; ${rest.join(',')} ignored.`);
  const descending = first.startsWith('-');
  const name = descending ? first.slice(1) : first;
  const param = searchParamsOf(definition).find((p) => p.name === name && p.sortable);
  if (!param) {
    throw new Invalid('unsupported-sort', `${definition.type} cannot be sorted by ${name}; use ${
      searchParamsOf(definition).filter((p) => p.sortable).map((p) => p.name).join(', ')}.`);
  }
  return { name, column: param.columns[0], descending };
}

export function parseCount(value: string | undefined): number {
  if (value === undefined) return DEFAULT_COUNT;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new Invalid('invalid-count', '_count must be a positive whole number.');
  return Math.min(count, MAX_COUNT);
}

/** The opaque paging cursor: the sort value and id of the last row of the previous page (keyset paging). */
export interface Cursor { v: unknown; id: string | number }

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** Decoded JSON is the client's (base64 hides NUL from the input rules): only what encodeCursor writes goes into a query. */
function isCursor(value: unknown): value is Cursor {
  if (!value || typeof value !== 'object') return false;
  const { v, id } = value as Record<string, unknown>;
  const idOk = (typeof id === 'string' && FHIR_ID.test(id)) || Number.isSafeInteger(id);
  const vOk = v === null || Number.isFinite(v) || (typeof v === 'string' && v.length <= 1000 && isWellFormedText(v));
  return idOk && vOk;
}

const cursorRefused = () => new Invalid('invalid-cursor', 'The _cursor parameter is not one this server issued.');

/** A `_cursor` value as encodeCursor wrote it; anything else is a 400. */
export function readCursor(value: string): Cursor {
  let cursor: unknown;
  try {
    cursor = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw cursorRefused();
  }
  if (!isCursor(cursor)) throw cursorRefused();
  return cursor;
}

function decodeCursor(value: string | undefined, sort: Sort, definition: ResourceDefinition): WhereOptions | undefined {
  if (!value) return undefined;
  const refused = cursorRefused();
  const cursor = readCursor(value);
  const isDate = searchParamsOf(definition).find((p) => p.columns[0] === sort.column)?.type === 'date'
    && !(definition.searchParams.find((p) => p.columns[0] === sort.column)?.precision === 'date');
  const v = isDate && cursor.v !== null ? new Date(String(cursor.v)) : cursor.v;
  if (v instanceof Date && Number.isNaN(v.getTime())) throw refused;
  const beyond = sort.descending ? Op.lt : Op.gt;
  if (sort.column === 'id') return { id: { [beyond]: cursor.id } };
  return { [Op.or]: [{ [sort.column]: { [beyond]: v } }, { [sort.column]: v, id: { [beyond]: cursor.id } }] };
}

/**
 * Filters from the search parameters: the declared ones on the domain columns, the other R4 ones on the stored
 * resources' lookup rows (repository/domain-lookups.ts); unknown ones become warnings (or a 400 when strict).
 */
function filtersOf(ctx: FhirContext, definition: ResourceDefinition, query: SearchQuery, strict: boolean, warnings: string[]): WhereOptions[] {
  const params = searchParamsOf(definition);
  const lookups = lookupParametersOf(definition);
  const where: WhereOptions[] = [];
  for (const [key, raw] of Object.entries(query)) {
    if (CONTROL.has(key)) continue;
    const [name, modifier] = key.split(':');
    const param = params.find((p) => p.name === name);
    const lookup = lookups.find((p) => p.code === name);
    if (lookup) {
      for (const value of asList(raw)) {
        const share = param ? columnShare(param, value) : 'lookups';
        const byLookups = () => lookupWhere(ctx.db, definition.type, lookup, modifier, value, ctx.baseUrl);
        if (share === 'column') where.push(conditionFor(param!, modifier, value));
        else where.push(share === 'lookups' ? byLookups() : { [Op.or]: [conditionFor(param!, modifier, value), byLookups()] });
      }
      continue;
    }
    if (!param) {
      const message = `Unknown search parameter ${key} for ${definition.type}: ignored.`;
      if (strict) throw new Invalid('unknown-search-parameter', message.replace(': ignored', ''), [{ expression: key, message }]);
      warnings.push(message);
      continue;
    }
    for (const value of asList(raw)) where.push(conditionFor(param, modifier, value));
  }
  return where;
}

export function outcomeEntry(warnings: string[]): BundleEntry {
  const outcome: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: warnings.map((diagnostics) => ({ severity: 'warning', code: 'not-supported', diagnostics })),
  };
  return { resource: outcome, search: { mode: 'outcome' } };
}

/** The entries of rows: each its stored resource (repository/records.ts), read in one query. */
export async function entriesOf(ctx: FhirContext, definition: ResourceDefinition, rows: Row[], mode: 'match' | 'include'): Promise<BundleEntry[]> {
  const resources = await resourcesOfRows(ctx.db, definition, rows, ctx.tx);
  return resources.map((resource) => ({ fullUrl: `${ctx.baseUrl}/${definition.type}/${resource.id}`, resource, search: { mode } }));
}

/** `Type:param[:Target]` → the reference parameter and the type it points at. */
function referenceParam(spec: string, expectedSource?: string): { source: ResourceDefinition; param: SearchParamDefinition; target: ResourceDefinition } | undefined {
  const [sourceType, name, targetType] = spec.split(':');
  const source = definitionOf(sourceType);
  if (!source || source.store || (expectedSource && sourceType !== expectedSource)) return undefined;
  const param = source.searchParams.find((p) => p.name === name && p.type === 'reference');
  const target = definitionOf(targetType ?? param?.target?.[0] ?? '');
  if (!param || !target || target.store || !param.target?.includes(target.type)) return undefined;
  return { source, param, target };
}

/** _include targets and _revinclude sources this server follows, for the CapabilityStatement. */
export function includesOf(definition: ResourceDefinition): { include: string[]; revinclude: string[] } {
  if (definition.store) return repositoryIncludesOf(definition.type, registeredTypes().filter((d) => d.store).map((d) => d.type));
  return {
    include: definition.searchParams.filter((p) => p.type === 'reference' && p.target?.some((t) => !definitionOf(t)?.store && definitionOf(t)))
      .map((p) => `${definition.type}:${p.name}`),
    revinclude: registeredTypes().filter((source) => !source.store).flatMap((source) => source.searchParams
      .filter((p) => p.type === 'reference' && p.target?.includes(definition.type))
      .map((p) => `${source.type}:${p.name}`)),
  };
}

async function included(ctx: FhirContext, definition: ResourceDefinition, rows: Row[], query: SearchQuery, warnings: string[]): Promise<BundleEntry[]> {
  const entries: BundleEntry[] = [];
  const seen = new Set<string>();
  const add = async (target: ResourceDefinition, found: Row[]) => {
    const unseen = found.filter((row) => {
      const key = `${target.type}/${row.id}`;
      return !seen.has(key) && !!seen.add(key);
    });
    entries.push(...await entriesOf(ctx, target, unseen, 'include'));
  };
  for (const spec of asList(query._include)) {
    const found = referenceParam(spec, definition.type);
    if (!found) { warnings.push(`_include=${spec} is not supported: ignored.`); continue; }
    const ids = [...new Set(rows.map((r) => r[found.param.columns[0]]).filter((id): id is string => typeof id === 'string'))];
    if (!ids.length) continue;
    assertTypeAccess(ctx, found.target, 'read');
    const compartment = compartmentWhere(ctx, found.target);
    await add(found.target, await rowsWhere(ctx, found.target, [{ id: { [Op.in]: ids } }, ...(compartment ? [compartment] : [])], ids.length));
  }
  for (const spec of asList(query._revinclude)) {
    const found = referenceParam(spec);
    if (!found || found.target.type !== definition.type) { warnings.push(`_revinclude=${spec} is not supported: ignored.`); continue; }
    if (!rows.length) continue;
    assertTypeAccess(ctx, found.source, 'read');
    const compartment = compartmentWhere(ctx, found.source);
    const where = [{ [found.param.columns[0]]: { [Op.in]: rows.map((r) => r.id) } }, ...(compartment ? [compartment] : [])];
    await add(found.source, await rowsWhere(ctx, found.source, where, MAX_REVINCLUDED));
  }
  return entries;
}

async function rowsWhere(ctx: FhirContext, definition: ResourceDefinition, where: WhereOptions[], limit: number): Promise<Row[]> {
  const found = await definition.model(ctx.db).findAll({ where: { [Op.and]: where }, limit, transaction: ctx.tx });
  return found.map(plainRow);
}

/**
 * The rows a search matches (one page), shared by search, conditional create and Bundle GET entries. With `columns`,
 * each row holds only those, the id and the sort key, read as plain values without a model instance (a date sort
 * key as a Date): what a search needs of rows whose entries are their stored resources.
 */
export async function findMatches(
  ctx: FhirContext, definition: ResourceDefinition, query: SearchQuery, options: { strict: boolean; limit?: number; columns?: string[] },
) {
  const warnings: string[] = [];
  const sort = parseSort(definition, asList(query._sort)[0], warnings);
  const count = options.limit ?? parseCount(asList(query._count)[0]);
  const where = filtersOf(ctx, definition, query, options.strict, warnings);
  const compartment = compartmentWhere(ctx, definition);
  if (compartment) where.push(compartment);
  const after = decodeCursor(asList(query._cursor)[0], sort, definition);
  if (after) where.push(after);
  const direction = sort.descending ? 'DESC' : 'ASC';
  const model = definition.model(ctx.db);
  const page = {
    where: { [Op.and]: where },
    order: (sort.column === 'id' ? [['id', direction]] : [[sort.column, direction], ['id', direction]]) as Array<[string, string]>,
    limit: count + 1,
  };
  const rows = options.columns
    ? (await plainPage(ctx, model, { ...page, attributes: [...new Set(['id', sort.column, ...options.columns])] })).map(typedSortKey(model, sort.column))
    : (await model.findAll({ ...page, transaction: ctx.tx })).map(plainRow);
  const more = rows.length > count;
  return { rows: rows.slice(0, count), more, sort, warnings };
}

interface PageQuery { attributes: string[]; where: WhereOptions; order: Array<[string, string]>; limit: number }
/** The part of Sequelize's (untyped) query generator a page uses: the SELECT `findAll` runs, as text. */
interface QueryGenerator { selectQuery(table: unknown, options: PageQuery, model: ModelStatic<Model>): string }

/**
 * A page's rows as plain values: the SELECT that `findAll` would run, written by Sequelize's query generator and
 * handed to the driver (db.select) with no model instances built. On SQLite its values are bound
 * (db/bound-literals.ts), so every search of the same shape runs on one prepared statement.
 */
async function plainPage(ctx: FhirContext, model: ModelStatic<Model>, page: PageQuery): Promise<Row[]> {
  const { queryGenerator } = ctx.db.sequelize.getQueryInterface() as unknown as { queryGenerator: QueryGenerator };
  const written = queryGenerator.selectQuery(model.getTableName(), page, model);
  const { sql, params } = ctx.db.dialect === 'sqlite' ? boundLiterals(written) : { sql: written, params: [] };
  return ctx.db.select<Row>(sql, params, ctx.tx);
}

/** A plain row's sort key as a model instance holds it: SQLite answers a DATE column as its text. */
function typedSortKey(model: ModelStatic<Model>, column: string): (row: Row) => Row {
  const isDate = (model.getAttributes()[column]?.type as { key?: string } | undefined)?.key === 'DATE';
  return (row) => {
    const value = row[column];
    const asText = isDate && value !== null && value !== undefined && !(value instanceof Date);
    return asText ? { ...row, [column]: new Date(String(value)) } : row;
  };
}

/** The columns a search reads of a page of rows whose entries are their stored resources: those `_include` follows. */
function pageColumnsOf(definition: ResourceDefinition, query: SearchQuery): string[] | undefined {
  if (definition.versioned === false) return undefined; // its entries are mappings of whole rows (AuditEvent)
  return asList(query._include).map((spec) => referenceParam(spec, definition.type)?.param.columns[0])
    .filter((column): column is string => !!column);
}

/** A search: one page of matches, its includes, self/next links, warnings, and one audit event. */
export async function search(ctx: FhirContext, definition: ResourceDefinition, query: SearchQuery, options: SearchOptions): Promise<Bundle> {
  if (definition.store) return definition.store.search(ctx, query, options);
  assertTypeAccess(ctx, definition, 'read');
  const { rows, more, sort, warnings } = await findMatches(ctx, definition, query, { strict: options.strict, columns: pageColumnsOf(definition, query) });
  const includes = await included(ctx, definition, rows, query, warnings);
  const link: BundleLink[] = [{ relation: 'self', url: options.selfUrl }];
  if (more) {
    const last = rows[rows.length - 1];
    const value = last[sort.column];
    const next = new URL(options.selfUrl);
    next.searchParams.set('_cursor', encodeCursor({ v: value instanceof Date ? value.toISOString() : value, id: last.id }));
    link.push({ relation: 'next', url: next.toString() });
  }
  await recordAudit(ctx.db, ctx.caller, {
    action: 'E', activity: 'search', resourceType: definition.type,
    patientId: ctx.caller.role === 'patient' ? ctx.caller.patientId : null,
    detail: new URL(options.selfUrl).search,
  }, ctx.tx);
  const entry: BundleEntry[] = [
    ...await entriesOf(ctx, definition, rows, 'match'),
    ...includes,
    ...(warnings.length ? [outcomeEntry(warnings)] : []),
  ];
  return { resourceType: 'Bundle', type: 'searchset', link, ...(entry.length ? { entry } : {}) };
}

/** A model instance as a plain row (dates as Date objects on both databases). */
export function plainRow(instance: Model): Row {
  return instance.get({ plain: true }) as Row;
}
