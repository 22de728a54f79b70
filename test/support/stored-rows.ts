import { QueryTypes } from 'sequelize';
import type { Database } from '../../db/connection.js';

/** Tables a refused request may write to: the access log (refusals are audited) and the sign-in throttle. */
const WRITTEN_ON_REFUSAL = new Set(['audit_events', 'login_failures', 'schema_migrations']);

const tablesOf = new WeakMap<Database, Promise<string[]>>();

async function recordTables(db: Database): Promise<string[]> {
  const names = (await db.sequelize.getQueryInterface().showAllTables()).map((t) => (typeof t === 'string' ? t : (t as { tableName: string }).tableName));
  return names.filter((name) => !WRITTEN_ON_REFUSAL.has(name) && !name.startsWith('sqlite_')).sort();
}

/**
 * The row count of every table that holds records (not the audit or throttle tables), in one query, so a test
 * can tell that a refused request stored nothing.
 */
export async function storedRowCounts(db: Database): Promise<Record<string, number>> {
  if (!tablesOf.has(db)) tablesOf.set(db, recordTables(db));
  const tables = await tablesOf.get(db)!;
  const q = (name: string) => db.sequelize.getQueryInterface().quoteIdentifier(name);
  const sql = `SELECT ${tables.map((name) => `(SELECT COUNT(*) FROM ${q(name)}) AS ${q(name)}`).join(', ')}`;
  const [row] = await db.sequelize.query<Record<string, number | string>>(sql, { type: QueryTypes.SELECT });
  return Object.fromEntries(Object.entries(row).map(([name, count]) => [name, Number(count)]));
}
