import type { Bundle, BundleEntry, BundleLink } from '@medplum/fhirtypes';
import { QueryTypes } from 'sequelize';
import { recordAudit } from '../../audit/audit-log.js';
import { Invalid } from '../../http/errors.js';
import type { FhirContext } from '../registry.js';
import { encodeCursor, outcomeEntry, parseCount, readCursor, type SearchOptions, type SearchQuery } from '../search.js';
import { assertResourceAccess, assertTypeReach, searchAccessSql } from './access-rule.js';
import { clamped, EARLIEST } from './index-rows.js';
import { indexedParametersOf } from './r4-search-parameters.js';
import { conditionOf, lastUpdatedSql, type Sql } from './search-sql.js';

/**
 * Search over the repository (search.html): each parameter a condition the lookup tables' indexes answer
 * (search-sql.ts), the access rule's filter, keyset paging on (sort value, id) with the cursors of ../search.ts.
 */
const CONTROL = new Set(['_count', '_sort', '_format', '_cursor', '_pretty', '_include', '_revinclude']);
/** How many resources the _include and _revinclude of one page may add (more would make the page unbounded). */
const MAX_INCLUDED = 500;

type Resource = { resourceType: string; id: string };
type SortKind = 'id' | 'date' | 'string' | 'number';
interface Sort { name: string; descending: boolean; kind: SortKind; expression: Sql }

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const SORT_LOOKUPS: Record<string, { table: string; column: string; kind: SortKind; none: unknown }> = {
  date: { table: 'fhir_dates', column: 'start', kind: 'date', none: EARLIEST },
  string: { table: 'fhir_strings', column: 'value', kind: 'string', none: '' },
  token: { table: 'fhir_tokens', column: 'value', kind: 'string', none: '' },
  number: { table: 'fhir_quantities', column: 'value', kind: 'number', none: -Number.MAX_VALUE },
  quantity: { table: 'fhir_quantities', column: 'value', kind: 'number', none: -Number.MAX_VALUE },
};

/** `_sort`: `_id`, `_lastUpdated`, or a date, string, token, number or quantity parameter (its least value; none first). */
function sortOf(type: string, value: string | undefined, warnings: string[]): Sort {
  if (!value) return { name: '_id', descending: false, kind: 'id', expression: { sql: 'r.id', binds: [] } };
  const [first, ...rest] = value.split(',');
  if (rest.length) warnings.push(`Only the first _sort key (${first}) is used; ${rest.join(',')} ignored.`);
  const descending = first.startsWith('-');
  const name = descending ? first.slice(1) : first;
  if (name === '_id') return { name, descending, kind: 'id', expression: { sql: 'r.id', binds: [] } };
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

/** The filters of a query; parameters this server does not search become warnings (a 400 under handling=strict). */
function filtersOf(ctx: FhirContext, type: string, query: SearchQuery, strict: boolean, warnings: string[]): Sql[] {
  const filters: Sql[] = [];
  const ignore = (key: string, why: string) => {
    const message = `${key} ${why}: ignored.`;
    if (strict) throw new Invalid('unknown-search-parameter', message.replace(': ignored', ''), [{ expression: key, message }]);
    warnings.push(message);
  };
  for (const [key, raw] of Object.entries(query)) {
    if (CONTROL.has(key)) continue;
    const [name, modifier, ...more] = key.split(':');
    const param = indexedParametersOf(type).find((p) => p.code === name);
    if (more.length || name.includes('.') || (!param && name !== '_id' && name !== '_lastUpdated')) {
      ignore(key, `is not a search parameter of ${type} this server supports (chaining, _has, _include and composite are not yet)`);
      continue;
    }
    for (const value of asList(raw)) {
      const values = value.split(',').filter((v) => v !== '');
      if (!values.length) throw new Invalid('invalid-search', `Search parameter ${key} has no value.`, [{ expression: key, message: 'empty' }]);
      if (name === '_id') {
        filters.push({ sql: `r.id IN (${values.map(() => '?').join(', ')})`, binds: values });
        continue;
      }
      const any = values.map((v) => {
        if (!param) {
          const { sql, binds, negate } = lastUpdatedSql(name, v);
          return { sql: negate ? `NOT (${sql})` : sql, binds };
        }
        return conditionOf(type, param, modifier, v, ctx.baseUrl);
      });
      filters.push({ sql: `(${any.map((c) => c.sql).join(' OR ')})`, binds: any.flatMap((c) => c.binds) });
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

function afterCursor(sort: Sort, raw: string | undefined): Sql | undefined {
  if (!raw) return undefined;
  const { v, id } = readCursor(raw);
  const beyond = sort.descending ? '<' : '>';
  if (sort.kind === 'id') return { sql: `s.id ${beyond} ?`, binds: [String(id)] };
  const value = sort.kind === 'date' ? new Date(String(v)) : v;
  if (value instanceof Date && Number.isNaN(value.getTime())) throw new Invalid('invalid-cursor', 'The _cursor parameter is not one this server issued.');
  return { sql: `(s.sortValue ${beyond} ? OR (s.sortValue = ? AND s.id ${beyond} ?))`, binds: [value, value, String(id)] };
}

/**
 * A bound instant as each database stores DATE(3): Sequelize's own escaping drops the milliseconds on MySQL, and
 * SQLite compares the text, so it must be written exactly as stored (`… +00:00`).
 */
function boundValue(dialect: string, value: unknown): unknown {
  if (!(value instanceof Date)) return value;
  const text = clamped(value).toISOString().replace('T', ' ').replace('Z', '');
  return dialect === 'sqlite' ? `${text} +00:00` : text;
}

export interface Matches { resources: Resource[]; more: boolean; next?: string; warnings: string[] }

/** One page of the resources a search matches, shared by search and conditional create. */
export async function findMatches(ctx: FhirContext, type: string, query: SearchQuery, options: { strict: boolean; limit?: number }): Promise<Matches> {
  assertTypeReach(ctx, type, 'read');
  const warnings: string[] = [];
  const sort = sortOf(type, asList(query._sort)[0], warnings);
  const count = options.limit ?? parseCount(asList(query._count)[0]);
  const filters = filtersOf(ctx, type, query, options.strict, warnings);
  const access = searchAccessSql(ctx, type);
  const where = ['r.resourceType = ?', 'r.deleted = 0', ...filters.map((f) => f.sql), ...(access ? [access] : [])].join(' AND ');
  const after = afterCursor(sort, asList(query._cursor)[0]);
  const direction = sort.descending ? 'DESC' : 'ASC';
  const sql = `SELECT s.id, s.content, s.sortValue FROM (SELECT r.id, r.content, ${sort.expression.sql} AS sortValue FROM fhir_resources r WHERE ${where}) s`
    + `${after ? ` WHERE ${after.sql}` : ''} ORDER BY ${sort.kind === 'id' ? '' : `s.sortValue ${direction}, `}s.id ${direction} LIMIT ?`;
  const binds = [...sort.expression.binds, type, ...filters.flatMap((f) => f.binds), ...(after?.binds ?? []), count + 1];
  const rows = await ctx.db.sequelize.query<{ id: string; content: string; sortValue: unknown }>(sql, {
    replacements: binds.map((value) => boundValue(ctx.db.dialect, value)), type: QueryTypes.SELECT, transaction: ctx.tx,
  });
  const page = rows.slice(0, count);
  const last = page[page.length - 1];
  const more = rows.length > count;
  return {
    resources: page.map((row) => JSON.parse(row.content) as Resource), more, warnings,
    next: more && last ? encodeCursor({ v: cursorValue(sort.kind, last.sortValue), id: last.id }) : undefined,
  };
}

/** A search: one page of matches, self/next links, warnings, and one audit event. */
export async function search(ctx: FhirContext, type: string, query: SearchQuery, options: SearchOptions): Promise<Bundle> {
  const { resources, next, warnings } = await findMatches(ctx, type, query, { strict: options.strict });
  const included = await includedOf(ctx, type, resources, query, warnings);
  const link: BundleLink[] = [{ relation: 'self', url: options.selfUrl }];
  if (next) {
    const url = new URL(options.selfUrl);
    url.searchParams.set('_cursor', next);
    link.push({ relation: 'next', url: url.toString() });
  }
  await recordAudit(ctx.db, ctx.caller, {
    action: 'E', activity: 'search', resourceType: type,
    patientId: ctx.caller.role === 'patient' ? ctx.caller.patientId : null, detail: new URL(options.selfUrl).search,
  }, ctx.tx);
  const entry: BundleEntry[] = [
    ...resources.map((resource): BundleEntry => ({ fullUrl: `${ctx.baseUrl}/${type}/${resource.id}`, resource: resource as never, search: { mode: 'match' } })),
    ...included.map((resource): BundleEntry => ({
      fullUrl: `${ctx.baseUrl}/${resource.resourceType}/${resource.id}`, resource: resource as never, search: { mode: 'include' },
    })),
    ...(warnings.length ? [outcomeEntry(warnings)] : []),
  ];
  return { resourceType: 'Bundle', type: 'searchset', link, ...(entry.length ? { entry } : {}) };
}

/**
 * `_include=Type:param` (the resources a page's matches reference through a reference parameter) and
 * `_revinclude=Type:param` (the resources that reference them), from the reference lookup rows; each included
 * resource only if the caller may read it (search.html#include).
 */
async function includedOf(ctx: FhirContext, type: string, matches: Resource[], query: SearchQuery, warnings: string[]): Promise<Resource[]> {
  const ids = matches.map((r) => r.id);
  const wanted = (key: '_include' | '_revinclude') => asList(query[key]).flatMap((v) => v.split(',')).filter(Boolean);
  if (!ids.length || (!wanted('_include').length && !wanted('_revinclude').length)) return [];
  const keys: Array<{ type: string; id: string }> = [];
  const place = (values: unknown[]) => values.map(() => '?').join(', ');
  const referenceParam = (source: string, code: string | undefined) =>
    indexedParametersOf(source).find((p) => p.code === code && p.kind === 'reference');
  for (const spec of wanted('_include')) {
    const [source, code, target] = spec.split(':');
    if (source !== type || !referenceParam(source, code)) {
      warnings.push(`_include=${spec} is not a reference parameter of ${type}: ignored.`);
      continue;
    }
    const rows = await ctx.db.sequelize.query<{ targetType: string; targetId: string }>(
      `SELECT DISTINCT targetType, targetId FROM fhir_references WHERE resourceType = ? AND code = ? AND targetType IS NOT NULL AND resourceId IN (${place(ids)})`
      + `${target ? ' AND targetType = ?' : ''}`,
      { replacements: [type, code, ...ids, ...(target ? [target] : [])], type: QueryTypes.SELECT, transaction: ctx.tx },
    );
    keys.push(...rows.map((r) => ({ type: r.targetType, id: r.targetId })));
  }
  for (const spec of wanted('_revinclude')) {
    const [source, code] = spec.split(':');
    if (!source || !referenceParam(source, code)) {
      warnings.push(`_revinclude=${spec} is not a reference parameter: ignored.`);
      continue;
    }
    const rows = await ctx.db.sequelize.query<{ resourceId: string }>(
      `SELECT DISTINCT resourceId FROM fhir_references WHERE resourceType = ? AND code = ? AND targetType = ? AND targetId IN (${place(ids)}) LIMIT ${MAX_INCLUDED + 1}`,
      { replacements: [source, code, type, ...ids], type: QueryTypes.SELECT, transaction: ctx.tx },
    );
    keys.push(...rows.map((r) => ({ type: source, id: r.resourceId })));
  }
  const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id}`));
  const included: Resource[] = [];
  for (const key of keys) {
    if (seen.has(`${key.type}/${key.id}`) || included.length >= MAX_INCLUDED) continue;
    seen.add(`${key.type}/${key.id}`);
    const [row] = await ctx.db.sequelize.query<{ content: string }>('SELECT content FROM fhir_resources WHERE resourceType = ? AND id = ? AND deleted = 0',
      { replacements: [key.type, key.id], type: QueryTypes.SELECT, transaction: ctx.tx });
    if (!row) continue;
    const resource = JSON.parse(row.content) as Resource;
    try {
      assertTypeReach(ctx, key.type, 'read');
      await assertResourceAccess(ctx, resource as never, 'read', key.id);
    } catch {
      continue; // a resource the caller may not read is left out, as if it did not exist
    }
    included.push(resource);
  }
  return included;
}
