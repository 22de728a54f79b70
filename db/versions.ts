import { Utils, type Model, type ModelStatic, type Transaction } from 'sequelize';
import { incremented } from './columns.js';
import type { Database } from './connection.js';
import { appendRow } from './insert.js';

/**
 * Versioning rule for every record exposed as a FHIR resource:
 *  1. an UPDATE bumps `versionId` in the same statement (`versionId: nextVersion(db)`), so concurrent writers
 *     cannot both produce version n;
 *  2. right after the create or update, inside the same transaction, `recordVersion` stores the row as written.
 *     Pass it the row as stored: the instance `create` returned, or one read (or `reload`ed) after a bulk
 *     `Model.update`, which never changes instances already in memory. An instance still holding a SQL
 *     expression is read again here.
 * The live row is always the current version; `resource_versions` holds every version for vread and _history.
 */
export function nextVersion(db: Database): number {
  return incremented(db, 'versionId');
}

/**
 * Whether the instance may differ from its stored row: a value still a SQL expression (`nextVersion`). An
 * instance just read, or created (an attribute it was not given has no default, so the row holds NULL), is the
 * stored row already, and reading it again would only cost a query.
 */
function mayBeStale(row: Model): boolean {
  return Object.values(row.dataValues as Record<string, unknown>).some((value) => value instanceof Utils.SequelizeMethod);
}

export async function recordVersion(db: Database, resourceType: string, row: Model, tx?: Transaction): Promise<void> {
  if (tx && mayBeStale(row)) await row.reload({ transaction: tx });
  const unset = Object.fromEntries(Object.keys((row.constructor as ModelStatic<Model>).getAttributes()).map((name) => [name, null]));
  const plain = { ...unset, ...row.get({ plain: true }) } as { id: string; versionId: number; updatedAt?: Date };
  await appendRow(db, db.models.ResourceVersion, {
    resourceType, resourceId: plain.id, versionId: plain.versionId, recordedAt: plain.updatedAt ?? new Date(),
    content: JSON.stringify(plain),
  }, tx);
}
