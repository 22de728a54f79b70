import { Invalid } from '../../http/errors.js';
import { dateRange } from '../search-params.js';
import { identifierCode, MAX_VALUE, normalise, RELATIVE_REFERENCE } from './index-rows.js';
import type { IndexedKind, IndexedParameter } from './r4-search-parameters.js';

/**
 * One search parameter of the repository as SQL over its lookup table (search.html): a condition on
 * `fhir_resources r`, with its bound values. A comma in a value is OR, a repeated parameter AND (search.ts).
 * Every condition is an `r.id IN (SELECT resourceId FROM <lookup> WHERE resourceType = ? AND code = ? AND …)`
 * that the lookup table's (resourceType, code, value) index answers.
 */
export interface Sql { sql: string; binds: unknown[] }

const TABLES: Record<IndexedKind, string> = {
  string: 'fhir_strings', token: 'fhir_tokens', date: 'fhir_dates', reference: 'fhir_references',
  number: 'fhir_quantities', quantity: 'fhir_quantities', uri: 'fhir_uris', composite: 'fhir_composites',
};

/** Past every character (U+10FFFF): `value >= p AND value < p + TOP` is "starts with p" as an index range on both databases. */
const TOP = '\u{10FFFF}';

const MODIFIERS: Record<IndexedKind, string[]> = {
  string: ['exact', 'contains', 'text', 'missing'], token: ['not', 'text', 'missing'], date: ['missing'], reference: ['identifier', 'missing'],
  number: ['missing'], quantity: ['missing'], uri: ['below', 'above', 'missing'], composite: ['missing'],
};

/** The modifiers each kind of parameter takes here (a reference also takes a type, `subject:Patient`), for docs and tests. */
export const SUPPORTED_MODIFIERS: Readonly<Record<IndexedKind, readonly string[]>> = MODIFIERS;

function refuse(code: string, param: string, message: string): never {
  throw new Invalid(code, `Search parameter ${param}: ${message}`, [{ expression: param, message }]);
}

const lookupIn = (table: string, type: string, code: string, where: Sql, subject: string): Sql => ({
  sql: `${subject} IN (SELECT l.resourceId FROM ${table} l WHERE l.resourceType = ? AND l.code = ?${where.sql ? ` AND ${where.sql}` : ''})`,
  binds: [type, code, ...where.binds],
});

const lookup = (type: string, param: IndexedParameter, where: Sql, subject: string): Sql => lookupIn(TABLES[param.kind], type, param.code, where, subject);

const startsWith = (column: string, prefix: string): Sql => ({ sql: `${column} >= ? AND ${column} < ?`, binds: [prefix, `${prefix}${TOP}`] });

function token(name: string, value: string, modifier: string | undefined): Sql {
  if (modifier === 'text') return startsWith('l.text', normalise(value));
  const bar = value.indexOf('|');
  if (bar < 0) return { sql: 'l.value = ?', binds: [value] };
  const [system, code] = [value.slice(0, bar), value.slice(bar + 1)];
  if (!system && !code) refuse('invalid-search', name, 'a token needs a code or a system.');
  const where = [system ? 'l.system = ?' : 'l.system IS NULL', ...(code ? ['l.value = ?'] : [])];
  return { sql: where.join(' AND '), binds: [...(system ? [system] : []), ...(code ? [code] : [])] };
}

const escapeLike = (text: string) => text.replace(/[!%_]/g, '!$&');

/** `:text` on a string: every word searched starts a word of the value (search.html#modifiers, as token :text does). */
function stringText(name: string, value: string): Sql {
  const words = normalise(value).split(/\s+/).filter(Boolean);
  if (!words.length) refuse('invalid-search', name, ':text needs a word.');
  return {
    sql: words.map(() => "(l.value LIKE ? ESCAPE '!' OR l.value LIKE ? ESCAPE '!')").join(' AND '),
    binds: words.flatMap((word) => [`${escapeLike(word)}%`, `% ${escapeLike(word)}%`]),
  };
}

function string(value: string, modifier: string | undefined, name = ''): Sql {
  if (modifier === 'text') return stringText(name, value);
  const normal = normalise(value);
  if (modifier === 'exact') return { sql: 'l.value = ? AND l.exact = ?', binds: [normal, value.slice(0, MAX_VALUE)] };
  if (modifier === 'contains') return { sql: "l.value LIKE ? ESCAPE '!'", binds: [`%${escapeLike(normal)}%`] };
  return startsWith('l.value', normal);
}

const DATE_PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$/;

/** A date prefix over a range [start, end): search.html#prefix, with the stored value's range [l.start, l.end). */
export function dateSql(name: string, value: string, start: string, end: string): { sql: string; binds: unknown[]; negate: boolean } {
  const [, prefix = 'eq', rest] = DATE_PREFIX.exec(value) ?? [];
  if (prefix === 'ap') refuse('unsupported-prefix', name, 'the ap prefix is not supported (use ge and le).');
  const range = dateRange(rest, name);
  const s = range.start;
  const e = range.end;
  switch (prefix) {
    case 'gt': return { sql: `${end} > ?`, binds: [e], negate: false };
    case 'lt': return { sql: `${start} < ?`, binds: [s], negate: false };
    case 'ge': return { sql: `(${end} > ? OR ${start} >= ?)`, binds: [e, s], negate: false };
    case 'le': return { sql: `(${start} < ? OR ${end} <= ?)`, binds: [s, e], negate: false };
    case 'sa': return { sql: `${start} >= ?`, binds: [e], negate: false };
    case 'eb': return { sql: `${end} <= ?`, binds: [s], negate: false };
    default: return { sql: `${start} >= ? AND ${end} <= ?`, binds: [s, e], negate: prefix === 'ne' };
  }
}

const NUMBER = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(-?\d+(?:\.(\d+))?(?:[eE][+-]?\d+)?)(?:\|([^|]*)\|(.*))?$/;

function quantity(param: IndexedParameter, value: string): { sql: string; binds: unknown[]; negate: boolean } {
  const m = NUMBER.exec(value);
  if (!m || (param.kind === 'number' && m[4] !== undefined)) refuse('invalid-search', param.code, `"${value}" is not a ${param.kind} (e.g. ge5.4${param.kind === 'quantity' ? '|http://unitsofmeasure.org|mg' : ''}).`);
  const [, prefix = 'eq', digits, decimals = '', system, unit] = m;
  const x = Number(digits);
  if (!Number.isFinite(x)) refuse('invalid-search', param.code, `"${digits}" is too large a number.`);
  // eq 5.4 means [5.35, 5.45): the precision the value is written with (search.html#number).
  const half = /e/i.test(digits) ? 0 : 0.5 * 10 ** -decimals.length;
  const units = [...(system ? [{ sql: 'l.system = ?', bind: system }] : []), ...(unit ? [{ sql: 'l.unit = ?', bind: unit }] : [])];
  const unitSql = units.map((u) => ` AND ${u.sql}`).join('');
  const unitBinds = units.map((u) => u.bind);
  const compare = (sql: string, ...binds: unknown[]) => ({ sql: `${sql}${unitSql}`, binds: [...binds, ...unitBinds], negate: false });
  switch (prefix) {
    case 'gt': case 'sa': return compare('l.value > ?', x);
    case 'lt': case 'eb': return compare('l.value < ?', x);
    case 'ge': return compare('l.value >= ?', x);
    case 'le': return compare('l.value <= ?', x);
    case 'ap': return compare('l.value >= ? AND l.value <= ?', x - Math.abs(x) * 0.1, x + Math.abs(x) * 0.1);
    default: return { ...compare('l.value >= ? AND l.value < ?', x - half, x + half), negate: prefix === 'ne' };
  }
}

function reference(param: IndexedParameter, value: string, modifier: string | undefined, baseUrl: string): Sql {
  const local = value.startsWith(`${baseUrl}/`) ? value.slice(baseUrl.length + 1) : value;
  const relative = RELATIVE_REFERENCE.exec(local);
  if (modifier) {
    if (!param.targets.includes(modifier)) refuse('unsupported-modifier', param.code, `it refers to ${param.targets.join(', ')}, not ${modifier}.`);
    return { sql: 'l.targetType = ? AND l.targetId = ?', binds: [modifier, relative ? relative[2] : value] };
  }
  if (relative) return { sql: 'l.targetType = ? AND l.targetId = ?', binds: [relative[1], relative[2]] };
  return { sql: 'l.targetId = ?', binds: [local.slice(0, MAX_VALUE)] };
}

function uri(value: string, modifier: string | undefined): Sql {
  if (modifier === 'below') return startsWith('l.value', value);
  if (modifier === 'above') {
    const prefixes = value.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/')).filter((p) => p.length > 0);
    return { sql: `l.value IN (${prefixes.map(() => '?').join(', ')})`, binds: prefixes };
  }
  return { sql: 'l.value = ?', binds: [value.slice(0, MAX_VALUE)] };
}

/** The columns of fhir_composites a second component of each kind is compared on (l.value of a quantity is l.number2 …). */
const SECOND_COLUMNS: Record<string, Record<string, string>> = {
  token: { value: 'value2', system: 'system2' },
  string: { value: 'value2' },
  uri: { value: 'value2' },
  number: { value: 'number2', system: 'system2', unit: 'unit2' },
  quantity: { value: 'number2', system: 'system2', unit: 'unit2' },
};

const onColumns = (where: Sql, columns: Record<string, string>): Sql => ({
  sql: where.sql.replace(/\bl\.(\w+)\b/g, (whole, column: string) => (columns[column] ? `l.${columns[column]}` : whole)),
  binds: where.binds,
});

/**
 * A composite value `token$second` (search.html#composite): both components on the same row of fhir_composites,
 * the first a token, the second compared as its own kind (`code-value-quantity=http://loinc.org|8480-6$gt140`).
 */
function composite(param: IndexedParameter, value: string): Sql {
  const parts = value.split('$');
  if (parts.length !== 2 || !parts[0] || !parts[1]) refuse('invalid-search', param.code, `"${value}" is not a composite value (code$value).`);
  const first = token(param.code, parts[0], undefined);
  const kind = param.components![1].kind;
  let second: Sql & { negate?: boolean };
  switch (kind) {
    case 'date': second = dateSql(param.code, parts[1], 'l.start2', 'l.end2'); break;
    case 'reference': {
      const relative = RELATIVE_REFERENCE.exec(parts[1]);
      second = { sql: 'l.value2 = ?', binds: [relative ? `${relative[1]}/${relative[2]}` : parts[1].slice(0, MAX_VALUE)] };
      break;
    }
    case 'token': second = onColumns(token(param.code, parts[1], undefined), SECOND_COLUMNS.token); break;
    case 'string': second = onColumns(string(parts[1], undefined), SECOND_COLUMNS.string); break;
    case 'uri': second = onColumns(uri(parts[1], undefined), SECOND_COLUMNS.uri); break;
    default: {
      const compared = quantity({ ...param, kind }, parts[1]);
      second = { ...onColumns(compared, SECOND_COLUMNS[kind]), negate: compared.negate };
    }
  }
  const secondSql = second.negate ? `NOT (${second.sql})` : second.sql;
  return { sql: `${first.sql} AND ${secondSql}`, binds: [...first.binds, ...second.binds] };
}

/**
 * One value of one parameter (no commas left): the condition on `subject`, the id column of the rows searched
 * (`r.id` of `fhir_resources r`; a domain table's `id`, repository/domain-lookups.ts). Nothing else of the row is read.
 */
export function conditionOf(type: string, param: IndexedParameter, modifier: string | undefined, value: string, baseUrl: string, subject = 'r.id'): Sql {
  if (modifier !== undefined && !MODIFIERS[param.kind].includes(modifier) && !(param.kind === 'reference' && /^[A-Z]/.test(modifier))) {
    refuse('unsupported-modifier', param.code, `the :${modifier} modifier is not supported for ${param.kind} parameters here (docs/fhir.md).`);
  }
  if (modifier === 'missing') {
    if (value !== 'true' && value !== 'false') refuse('invalid-search', param.code, ':missing takes true or false.');
    const any = lookup(type, param, { sql: '', binds: [] }, subject);
    return value === 'true' ? { sql: `NOT (${any.sql})`, binds: any.binds } : any;
  }
  if (modifier === 'identifier') return lookupIn('fhir_tokens', type, identifierCode(param.code), token(param.code, value, undefined), subject);
  let where: Sql & { negate?: boolean };
  switch (param.kind) {
    case 'composite': where = composite(param, value); break;
    case 'token': where = { ...token(param.code, value, modifier), negate: modifier === 'not' }; break;
    case 'string': where = string(value, modifier, param.code); break;
    case 'date': where = dateSql(param.code, value, 'l.start', 'l.end'); break;
    case 'number': case 'quantity': where = quantity(param, value); break;
    case 'reference': where = reference(param, value, modifier, baseUrl); break;
    case 'uri': where = uri(value, modifier); break;
  }
  const condition = lookup(type, param, where, subject);
  return where.negate ? { sql: `NOT (${condition.sql})`, binds: condition.binds } : condition;
}

/** `_lastUpdated`: the instant a version was written, a point in time, against the search value's range. */
export function lastUpdatedSql(name: string, value: string): Sql & { negate: boolean } {
  const [, prefix = 'eq', rest] = DATE_PREFIX.exec(value) ?? [];
  if (prefix === 'ap') refuse('unsupported-prefix', name, 'the ap prefix is not supported (use ge and le).');
  const { start, end } = dateRange(rest, name);
  const at = (sql: string, bind: Date) => ({ sql: `r.lastUpdated ${sql} ?`, binds: [bind], negate: false });
  switch (prefix) {
    case 'gt': case 'sa': return at('>=', end);
    case 'lt': case 'eb': return at('<', start);
    case 'ge': return at('>=', start);
    case 'le': return at('<', end);
    default: return { sql: 'r.lastUpdated >= ? AND r.lastUpdated < ?', binds: [start, end], negate: prefix === 'ne' };
  }
}
