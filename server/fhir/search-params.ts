import { col, fn, Op, where as sqlWhere, type WhereOptions } from 'sequelize';
import { Invalid } from '../http/errors.js';
import type { SearchParamDefinition } from './registry.js';

/**
 * Turns one search parameter (hl7.org/fhir/R4/search.html) into a Sequelize condition. A comma in a value
 * means OR; the same parameter repeated means AND (the caller combines those).
 */
export function conditionFor(param: SearchParamDefinition, modifier: string | undefined, value: string): WhereOptions {
  const values = value.split(',').filter((v) => v !== '');
  if (!values.length) throw new Invalid('invalid-search', `Search parameter ${param.name} has no value.`);
  const any = values.map((v) => single(param, modifier, v));
  return any.length === 1 ? any[0] : { [Op.or]: any };
}

function single(param: SearchParamDefinition, modifier: string | undefined, value: string): WhereOptions {
  switch (param.type) {
    case 'token': return token(param, modifier, value);
    case 'string': return string(param, modifier, value);
    case 'date': return date(param, modifier, value);
    case 'reference': return reference(param, modifier, value);
    default: throw new Invalid('unsupported-search', `Search parameter ${param.name} (${param.type}) is not searchable on this type.`);
  }
}

const NOTHING: WhereOptions = { id: { [Op.in]: [] } };

function noModifier(param: SearchParamDefinition, modifier: string | undefined): void {
  if (modifier !== undefined) {
    throw new Invalid('unsupported-modifier', `Search parameter ${param.name} does not support the :${modifier} modifier.`);
  }
}

/** token: `code`, `system|code`, `|code` (no system) or `system|` (any code of the system). */
function token(param: SearchParamDefinition, modifier: string | undefined, value: string): WhereOptions {
  noModifier(param, modifier);
  const [column] = param.columns;
  const bar = value.indexOf('|');
  if (bar < 0) return { [column]: value };
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  const where: Record<string, unknown> = code ? { [column]: code } : {};
  if (param.systemColumn) {
    if (!system) return NOTHING; // every code we store has a system
    where[param.systemColumn] = system;
  } else if (system && system !== param.system) {
    return NOTHING;
  } else if (!system && param.system) {
    return NOTHING;
  }
  return where;
}

/**
 * string: starts with (or, with :contains, contains), ignoring case; :exact is equality. LIKE serves the usual
 * values (both databases compare case-insensitively: utf8mb4_unicode_ci / SQLite's ASCII LIKE). SQLite's LIKE
 * has no default escape character, so a value holding `%` or `_` is matched literally with INSTR instead.
 */
function string(param: SearchParamDefinition, modifier: string | undefined, value: string): WhereOptions {
  if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains') {
    throw new Invalid('unsupported-modifier', `Search parameter ${param.name} supports :exact and :contains only.`);
  }
  const any = param.columns.map((column): WhereOptions => {
    if (modifier === 'exact') return { [column]: value };
    if (!/[%_]/.test(value)) return { [column]: { [Op.like]: modifier === 'contains' ? `%${value}%` : `${value}%` } };
    const position = fn('INSTR', fn('LOWER', col(column)), value.toLowerCase());
    return modifier === 'contains' ? sqlWhere(position, Op.gt, 0) : sqlWhere(position, Op.eq, 1);
  });
  return any.length === 1 ? any[0] : { [Op.or]: any };
}

const DATE = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The days of a month; the Gregorian calendar repeats every 400 years, so any year maps onto 2000–2399. */
const daysIn = (year: number, month: number) => new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate();

/** Each part within its range (Date.UTC would roll 2024-99 over into 2032 silently); years before 1000 are not ours. */
function isRealDate(...[y, mo, d, h, mi, s, zone]: Array<string | undefined>): boolean {
  const n = (part: string | undefined, fallback: number) => (part === undefined ? fallback : Number(part));
  const month = n(mo, 1);
  const [zh, zm] = zone && zone !== 'Z' ? zone.slice(1).split(':').map(Number) : [0, 0];
  return n(y, 0) >= 1000 && month >= 1 && month <= 12 && n(d, 1) >= 1 && n(d, 1) <= daysIn(n(y, 0), month)
    && n(h, 0) <= 23 && n(mi, 0) <= 59 && n(s, 0) <= 59 && zh <= 14 && zm <= 59;
}

/** The instant range [start, end) a date value covers at its own precision (search.html#date). */
export function dateRange(value: string, name: string): { prefix: string; start: Date; end: Date } {
  const m = DATE.exec(value);
  if (!m) throw new Invalid('invalid-date', `Search parameter ${name}: "${value}" is not a FHIR date (e.g. ge2024-05-01).`);
  const [, prefix = 'eq', y, mo, d, h, mi, s, frac, zone = 'Z'] = m;
  if (!isRealDate(y, mo, d, h, mi, s, zone)) {
    throw new Invalid('invalid-date', `Search parameter ${name}: "${value}" is not a real date or time.`, [{ expression: name, message: 'not a real date' }]);
  }
  let start: Date;
  let end: Date;
  if (h !== undefined) {
    start = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ?? ''}${zone}`);
    const step = frac ? 1 : s !== undefined ? 1000 : 60_000;
    end = new Date(start.getTime() + step);
  } else {
    const year = Number(y);
    const month = mo ? Number(mo) - 1 : 0;
    const day = d ? Number(d) : 1;
    start = new Date(Date.UTC(year, month, day));
    end = new Date(Date.UTC(year + (mo ? 0 : 1), month + (mo && !d ? 1 : 0), day + (d ? 1 : 0)));
  }
  if (Number.isNaN(start.getTime())) throw new Invalid('invalid-date', `Search parameter ${name}: "${value}" is not a real date.`);
  if (!['eq', 'gt', 'lt', 'ge', 'le'].includes(prefix)) {
    throw new Invalid('unsupported-prefix', `Search parameter ${name}: the ${prefix} prefix is not supported (use eq, ge, le, gt or lt).`);
  }
  return { prefix, start, end };
}

function date(param: SearchParamDefinition, modifier: string | undefined, value: string): WhereOptions {
  noModifier(param, modifier);
  const { prefix, start, end } = dateRange(value, param.name);
  const asColumn = (d: Date) => (param.precision === 'date' ? d.toISOString().slice(0, 10) : d);
  const [column] = param.columns;
  switch (prefix) {
    case 'ge': return { [column]: { [Op.gte]: asColumn(start) } };
    case 'gt': return { [column]: { [Op.gte]: asColumn(end) } };
    case 'le': return { [column]: { [Op.lt]: asColumn(end) } };
    case 'lt': return { [column]: { [Op.lt]: asColumn(start) } };
    default: return { [column]: { [Op.gte]: asColumn(start), [Op.lt]: asColumn(end) } };
  }
}

/** reference: `Type/id`, `id`, or an absolute URL ending in Type/id; `:Type` modifier names the target type. */
function reference(param: SearchParamDefinition, modifier: string | undefined, value: string): WhereOptions {
  const targets = param.target ?? [];
  if (modifier !== undefined && !targets.includes(modifier)) {
    throw new Invalid('unsupported-modifier', `Search parameter ${param.name} refers to ${targets.join(' or ')}, not ${modifier}.`);
  }
  const m = /^(?:.*\/)?(?:([A-Z][A-Za-z]+)\/)?([A-Za-z0-9\-.]{1,64})$/.exec(value);
  if (!m) throw new Invalid('invalid-reference', `Search parameter ${param.name}: "${value}" is not a reference.`);
  const [, type, id] = m;
  if (type && !targets.includes(type)) return NOTHING;
  return { [param.columns[0]]: id };
}
