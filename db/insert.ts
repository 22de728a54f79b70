import type { Model, ModelAttributeColumnOptions, ModelStatic, Transaction } from 'sequelize';
import type { Database } from './connection.js';

/**
 * Bound values per INSERT: below SQLite's 32,766 (and MySQL's 65,535) placeholders, so a transaction Bundle's
 * thousands of lookup rows go in a few statements.
 */
const MAX_PLACEHOLDERS = 30_000;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A date as Sequelize writes it to this dialect's column (UTC, the timezone every connection uses). */
function dateValue(date: Date, dialect: Database['dialect'], withMilliseconds: boolean): string {
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  const ms = `.${pad(date.getUTCMilliseconds(), 3)}`;
  return dialect === 'sqlite' ? `${day} ${time}${ms} +00:00` : `${day} ${time}${withMilliseconds ? ms : ''}`;
}

/** A value as the column stores it, by the attribute's type, as Sequelize's `create` would have written it. */
function columnValue(value: unknown, attribute: ModelAttributeColumnOptions, dialect: Database['dialect']): unknown {
  if (value === undefined || value === null) return null;
  const type = attribute.type as { key?: string; _length?: unknown };
  switch (type.key) {
    case 'DATE': {
      const date = value instanceof Date ? value : new Date(String(value));
      return Number.isNaN(date.getTime()) ? value : dateValue(date, dialect, Boolean(type._length));
    }
    case 'BOOLEAN': return value ? 1 : 0;
    case 'JSON': return JSON.stringify(value);
    default: return typeof value === 'boolean' ? (value ? 1 : 0) : value;
  }
}

/**
 * Appends one row the way `Model.create` would write it (the same columns and stored values), without building
 * an instance, validating, running hooks or Sequelize's query builder: one INSERT with bound values handed to the
 * driver. For the append-only rows written on every request or write: audit events, resource rows, their lookup
 * rows and versions (models without timestamps; the caller gives every value, defaults are not filled in).
 */
export async function appendRow<M extends Model>(db: Pick<Database, 'dialect' | 'execute' | 'transaction'>, model: ModelStatic<M>, values: Record<string, unknown>, tx?: Transaction): Promise<void> {
  await appendRows(db, model, [values], tx);
}

/** Appends several rows of one model, in as few INSERTs as the placeholder bound allows (every row gives every column). */
export async function appendRows<M extends Model>(db: Pick<Database, 'dialect' | 'execute' | 'transaction'>, model: ModelStatic<M>, rows: Record<string, unknown>[], tx?: Transaction): Promise<void> {
  if (rows.length === 0) return;
  const attributes = model.getAttributes() as Record<string, ModelAttributeColumnOptions & { field?: string }>;
  const keys = Object.keys(rows[0]).filter((key) => attributes[key]);
  const columns = keys.map((key) => `\`${attributes[key].field ?? key}\``).join(',');
  const tuple = `(${keys.map(() => '?').join(',')})`;
  const perStatement = Math.max(1, Math.floor(MAX_PLACEHOLDERS / keys.length));
  // Several statements commit together: outside a transaction, they get one of their own.
  if (!tx && rows.length > perStatement) return db.transaction((own) => appendRows(db, model, rows, own));
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params = chunk.flatMap((row) => keys.map((key) => columnValue(row[key], attributes[key], db.dialect)));
    await db.execute(`INSERT INTO \`${model.getTableName() as string}\` (${columns}) VALUES ${chunk.map(() => tuple).join(',')}`, params, tx);
  }
}
