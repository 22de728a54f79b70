import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import { recordAudit } from '../../audit/audit-log.js';
import { Invalid } from '../../http/errors.js';
import { isWellFormedText } from '../../http/input-rules.js';
import type { FhirContext } from '../registry.js';
import { encodeCursor, outcomeEntry, parseCount, readCursor, type SearchOptions, type SearchQuery } from '../search.js';
import { assertTypeReach, searchAccessSql } from './access-rule.js';
import { clamped, EARLIEST } from './index-rows.js';
import { indexedParametersOf } from './r4-search-parameters.js';
import { chainSql, hasSql, UnsupportedChain } from './search-chain.js';
import { includedResources, includeSpecsOf } from './search-include.js';
import { conditionOf, lastUpdatedSql, type Sql } from './search-sql.js';
import { subsetOf, subsettingOf } from './search-summary.js';

/**
 * Search over the repository (search.html): each parameter a condition the lookup tables' indexes answer
 * (search-sql.ts; chains and _has in search-chain.ts), the access rule's filter, keyset paging on the sort keys
 * and the id with the cursors of ../search.ts, then the includes (search-include.ts), `_total`, and what
 * `_summary`/`_elements` keep of each resource (search-summary.ts).
 */
const CONTROL = new Set(['_count', '_sort', '_format', '_cursor', '_pretty', '_include', '_revinclude', '_total', '_summary', '_elements']);

type Stored = Resource & { id: string };
type SortKind = 'id' | 'date' | 'string' | 'number';
interface Sort { name: string; descending: boolean; kind: SortKind; expression: Sql }

/** At most this many `_sort` keys (each is a subquery per row of the page). */
const MAX_SORT_KEYS = 3;

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const SORT_LOOKUPS: Record<string, { table: string; column: string; kind: SortKind; none: unknown }> = {
  date: { table: 'fhir_dates', column: 'start', kind: 'date', none: EARLIEST },
  string: { table: 'fhir_strings', column: 'value', kind: 'string', none: '' },
  token: { table: 'fhir_tokens', column: 'value', kind: 'string', none: '' },
  number: { table: 'fhir_quantities', column: 'value', kind: 'number', none: -Number.MAX_VALUE },
  quantity: { table: 'fhir_quantities', column: 'value', kind: 'number', none: -Number.MAX_VALUE },
};

const BY_ID: Sort = { name: '_id', descending: false, kind: 'id', expression: { sql: 'r.id', binds: [] } };

/** One `_sort` key: `_id`, `_lastUpdated`, or a date, string, token, number or quantity parameter (its least value; none first). */
function sortKeyOf(type: string, key: string): Sort {
  const descending = key.startsWith('-');
  const name = descending ? key.slice(1) : key;
  if (name === '_id') return { ...BY_ID, descending };
  if (name === '_lastUpdated') return { name, descending, kind: 'date', expression: { sql: 'r.lastUpdated', binds: [] } };
  const param = indexedParametersOf(type).find((p) => p.code === name);
  const lookup = param && SORT_LOOKUPS[param.kind];
  if (!lookup) {
    throw new Invalid('unsupported-sort', `${type} cannot be sorted by ${name}: sort by _id, _lastUpdated or a date, string, token, number or quantity parameter.`);
  }
  return {
    name, descending, kind: lookup.kind,
    expression: {
      sql: `COALESCE((SELECT MIN(l.${lookup.column}) FROM ${lookup.table} l WHERE l.resourceType = r.resourceType AND l.resourceId = r.id AND l.code = ?), ?)`,
      binds: [name, lookup.none],
    },
  };
}

/** `_sort=a,-b`: the keys in order (search.html#sort); the id breaks ties, in the first key's direction. */
function sortsOf(type: string, value: string | undefined): Sort[] {
  if (!value) return [BY_ID];
  const keys = value.split(',').filter(Boolean);
  if (!keys.length || keys.length > MAX_SORT_KEYS) throw new Invalid('unsupported-sort', `_sort takes one to ${MAX_SORT_KEYS} keys.`);
  return keys.map((key) => sortKeyOf(type, key));
}

/** The filters of a query; parameters this server does not search become warnings (a 400 under handling=strict). */
function filtersOf(ctx: FhirContext, type: string, query: SearchQuery, strict: boolean, warnings: string[]): Sql[] {
  const filters: Sql[] = [];
  const ignore = (key: string, why: string) => {
    const message = `${key} ${why}: ignored.`;
    if (strict) throw new Invalid('unknown-search-parameter', message.replace(': ignored', ''), [{ expression: key, message }]);
    warnings.push(message);
  };
  for (const [key, raw] of Object.entries(query)) {
    const [name, modifier, ...more] = key.split(':');
    if (CONTROL.has(name)) continue;
    let conditionFor: (value: string) => Sql;
    const param = indexedParametersOf(type).find((p) => p.code === name);
    if (name === '_has') conditionFor = (v) => hasSql(ctx, type, key, v);
    else if (key.includes('.')) conditionFor = (v) => chainSql(ctx, type, key, v);
    else if (more.length || (!param && name !== '_id' && name !== '_lastUpdated')) {
      ignore(key, `is not a search parameter of ${type} this server supports`);
      continue;
    } else if (name === '_id') conditionFor = (v) => ({ sql: 'r.id = ?', binds: [v] });
    else if (!param) {
      conditionFor = (v) => {
        const { sql, binds, negate } = lastUpdatedSql(name, v);
        return { sql: negate ? `NOT (${sql})` : sql, binds };
      };
    } else conditionFor = (v) => conditionOf(type, param, modifier, v, ctx.baseUrl);
    try {
      for (const value of asList(raw)) {
        const values = value.split(',').filter((v) => v !== '');
        if (!values.length) throw new Invalid('invalid-search', `Search parameter ${key} has no value.`, [{ expression: key, message: 'empty' }]);
        const any = values.map(conditionFor);
        filters.push({ sql: `(${any.map((c) => c.sql).join(' OR ')})`, binds: any.flatMap((c) => c.binds) });
      }
    } catch (error) {
      if (!(error instanceof UnsupportedChain)) throw error;
      ignore(key, `is not supported here (${error.message})`);
    }
  }
  return filters;
}

/** A sort value as the cursor keeps it: an ISO instant for dates (SQLite answers its own text, MySQL a Date or text). */
function cursorValue(kind: SortKind, value: unknown): unknown {
  if (kind !== 'date') return value;
  if (value instanceof Date) return value.toISOString();
  const text = String(value).replace(' ', 'T').replace(/ ?\+00:00$/, '');
  return new Date(`${text}Z`).toISOString();
}

const refusedCursor = () => new Invalid('invalid-cursor', 'The _cursor parameter is not one this server issued.');

/** The sort values a cursor holds: one value for one key, a JSON list (as text) for several. */
function cursorValues(sorts: Sort[], v: unknown): unknown[] {
  if (sorts.length === 1) return [v];
  let values: unknown;
  try {
    values = JSON.parse(String(v));
  } catch {
    throw refusedCursor();
  }
  const scalar = (x: unknown) => x === null || Number.isFinite(x) || (typeof x === 'string' && isWellFormedText(x));
  if (!Array.isArray(values) || values.length !== sorts.length || !values.every(scalar)) throw refusedCursor();
  return values;
}

/** Keyset paging over several keys: beyond the cursor in the first key, or equal in it and beyond in the next, … then the id. */
function afterCursor(sorts: Sort[], raw: string | undefined): Sql | undefined {
  if (!raw) return undefined;
  const { v, id } = readCursor(raw);
  const keys = [...sorts.map((sort, i) => ({ column: `s.k${i}`, descending: sort.descending, kind: sort.kind })), { column: 's.id', descending: sorts[0].descending, kind: 'id' as const }];
  const values = [...cursorValues(sorts, v), String(id)].map((value, i) => {
    if (keys[i].kind !== 'date') return value;
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw refusedCursor();
    return date;
  });
  const alternatives = keys.map((key, i) => ({
    sql: [...keys.slice(0, i).map((k) => `${k.column} = ?`), `${key.column} ${key.descending ? '<' : '>'} ?`].join(' AND '),
    binds: values.slice(0, i + 1),
  }));
  return { sql: `(${alternatives.map((a) => `(${a.sql})`).join(' OR ')})`, binds: alternatives.flatMap((a) => a.binds) };
}

/**
 * A bound instant as each database stores DATE(3): Sequelize's own escaping drops the milliseconds on MySQL, and
 * SQLite compares the text, so it must be written exactly as stored (`… +00:00`).
 */
export function boundValue(dialect: string, value: unknown): unknown {
  if (!(value instanceof Date)) return value;
  const text = clamped(value).toISOString().replace('T', ' ').replace('Z', '');
  return dialect === 'sqlite' ? `${text} +00:00` : text;
}

export interface Matches { resources: Stored[]; more: boolean; next?: string; warnings: string[]; total?: number }

interface Query { where: string; binds: unknown[] }

/** The WHERE of a search on `fhir_resources r`: the type, not deleted, every filter, the access rule. */
function whereOf(ctx: FhirContext, type: string, query: SearchQuery, strict: boolean, warnings: string[]): Query {
  const filters = filtersOf(ctx, type, query, strict, warnings);
  const access = searchAccessSql(ctx, type);
  return {
    where: ['r.resourceType = ?', 'r.deleted = 0', ...filters.map((f) => f.sql), ...(access ? [access] : [])].join(' AND '),
    binds: [type, ...filters.flatMap((f) => f.binds)],
  };
}

/** A search statement with its values bound: on SQLite a prepared statement, kept for the next search of its shape. */
function select<T extends object>(ctx: FhirContext, sql: string, binds: unknown[]): Promise<T[]> {
  return ctx.db.select<T>(sql, binds.map((value) => boundValue(ctx.db.dialect, value)), ctx.tx);
}

/** `_total=accurate` (or `estimate`, answered the same way): how many resources the search matches in all. */
async function totalOf(ctx: FhirContext, { where, binds }: Query): Promise<number> {
  const [row] = await select<{ total: number | string }>(ctx, `SELECT COUNT(*) AS total FROM fhir_resources r WHERE ${where}`, binds);
  return Number(row?.total ?? 0);
}

function totalWanted(query: SearchQuery, summary: string | undefined): boolean {
  const total = asList(query._total)[0];
  if (total !== undefined && !['none', 'estimate', 'accurate'].includes(total)) {
    throw new Invalid('invalid-search', `_total must be none, estimate or accurate, not "${total}".`, [{ expression: '_total', message: 'unknown value' }]);
  }
  return summary === 'count' || total === 'accurate' || total === 'estimate';
}

/** One page of the resources a search matches, shared by search and conditional create. */
export async function findMatches(
  ctx: FhirContext, type: string, query: SearchQuery, options: { strict: boolean; limit?: number; total?: boolean; count?: number },
): Promise<Matches> {
  assertTypeReach(ctx, type, 'read');
  const warnings: string[] = [];
  const sorts = sortsOf(type, asList(query._sort)[0]);
  const count = options.limit ?? options.count ?? parseCount(asList(query._count)[0]);
  const search = whereOf(ctx, type, query, options.strict, warnings);
  const total = options.total ? await totalOf(ctx, search) : undefined;
  if (count === 0) return { resources: [], more: false, warnings, total };
  const after = afterCursor(sorts, asList(query._cursor)[0]);
  const order = [...sorts.map((sort, i) => `s.k${i} ${sort.descending ? 'DESC' : 'ASC'}`), `s.id ${sorts[0].descending ? 'DESC' : 'ASC'}`];
  const keys = sorts.map((sort, i) => `${sort.expression.sql} AS k${i}`).join(', ');
  const sql = `SELECT s.* FROM (SELECT r.id, r.content, ${keys} FROM fhir_resources r WHERE ${search.where}) s`
    + `${after ? ` WHERE ${after.sql}` : ''} ORDER BY ${order.join(', ')} LIMIT ?`;
  const binds = [...sorts.flatMap((sort) => sort.expression.binds), ...search.binds, ...(after?.binds ?? []), count + 1];
  const rows = await select<Record<string, unknown> & { id: string; content: string }>(ctx, sql, binds);
  const page = rows.slice(0, count);
  const last = page[page.length - 1];
  const more = rows.length > count;
  let next: string | undefined;
  if (more && last) {
    const values = sorts.map((sort, i) => cursorValue(sort.kind, last[`k${i}`]));
    next = encodeCursor({ v: (sorts.length === 1 ? values[0] : JSON.stringify(values)) as string, id: last.id });
  }
  return { resources: page.map((row) => JSON.parse(row.content) as Stored), more, warnings, next, total };
}

/** A search: one page of matches and what it includes, self/next links, `_total`, warnings, and one audit event. */
export async function search(ctx: FhirContext, type: string, query: SearchQuery, options: SearchOptions): Promise<Bundle> {
  const subsetting = subsettingOf(asList(query._summary)[0], asList(query._elements)[0]);
  const counting = subsetting.summary === 'count';
  const prior: string[] = [];
  const specs = counting ? [] : includeSpecsOf(query, prior);
  const found = await findMatches(ctx, type, query, { strict: options.strict, total: totalWanted(query, subsetting.summary), ...(counting ? { count: 0 } : {}) });
  const warnings = [...prior, ...found.warnings];
  const included = await includedResources(ctx, found.resources, specs, warnings);
  const link: BundleLink[] = [{ relation: 'self', url: options.selfUrl }];
  if (found.next) {
    const url = new URL(options.selfUrl);
    url.searchParams.set('_cursor', found.next);
    link.push({ relation: 'next', url: url.toString() });
  }
  await recordAudit(ctx.db, ctx.caller, {
    action: 'E', activity: 'search', resourceType: type,
    patientId: ctx.caller.role === 'patient' ? ctx.caller.patientId : null, detail: new URL(options.selfUrl).search,
  }, ctx.tx);
  const entryOf = (resource: Stored, mode: 'match' | 'include'): BundleEntry => ({
    fullUrl: `${ctx.baseUrl}/${resource.resourceType}/${resource.id}`, resource: subsetOf(resource, subsetting) as never, search: { mode },
  });
  const entry: BundleEntry[] = [
    ...found.resources.map((resource) => entryOf(resource, 'match')),
    ...included.map((resource) => entryOf(resource, 'include')),
    ...(warnings.length ? [outcomeEntry(warnings)] : []),
  ];
  return {
    resourceType: 'Bundle', type: 'searchset', ...(found.total === undefined ? {} : { total: found.total }), link, ...(entry.length ? { entry } : {}),
  };
}
