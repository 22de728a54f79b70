import type { Model, Transaction } from 'sequelize';
import type { Database } from './connection.js';

/**
 * Versioning rule for every record exposed as a FHIR resource:
 *  1. an UPDATE bumps `versionId` in the same statement (`versionId: nextVersion(db)`), so concurrent writers
 *     cannot both produce version n;
 *  2. right after the create or update, inside the same transaction, `recordVersion` stores the row as written.
 * The live row is always the current version; `resource_versions` holds every version for vread and _history.
 */
export function nextVersion(db: Database): number {
  return db.sequelize.literal(`${db.sequelize.getQueryInterface().quoteIdentifier('versionId')} + 1`) as unknown as number;
}

export async function recordVersion(db: Database, resourceType: string, row: Model, tx?: Transaction): Promise<void> {
  if (tx) await row.reload({ transaction: tx });
  const plain = row.get({ plain: true }) as { id: string; versionId: number; updatedAt?: Date };
  await db.models.ResourceVersion.create({
    resourceType, resourceId: plain.id, versionId: plain.versionId, recordedAt: plain.updatedAt ?? new Date(),
    content: JSON.stringify(plain),
  }, { transaction: tx });
}
