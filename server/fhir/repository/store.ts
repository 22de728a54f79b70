import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../../../db/connection.js';
import { appendRow, appendRows } from '../../../db/insert.js';
import type { LookupModelName } from '../../../db/models/fhir-repository.js';
import type { LookupRows } from './index-rows.js';

/**
 * The repository's rows, in SQL: fhir_resources, its lookup tables and resource_versions. Statements only, no
 * rules: repository.ts decides what is written, and always inside one transaction.
 */
export interface StoredRow {
  versionId: number;
  deleted: boolean;
  content: string;
}

/** The row of a resource, read without building a model instance; `forUpdate` locks it on MySQL (SQLite has one writer). */
export async function loadRow(db: Database, type: string, id: string, tx?: Transaction, forUpdate = false): Promise<StoredRow | undefined> {
  const lock = forUpdate && tx && db.dialect === 'mysql' ? ' FOR UPDATE' : '';
  const [row] = await db.sequelize.query<{ versionId: number; deleted: number | boolean; content: string }>(
    `SELECT versionId, deleted, content FROM fhir_resources WHERE resourceType = ? AND id = ?${lock}`,
    { replacements: [type, id], type: QueryTypes.SELECT, transaction: tx },
  );
  return row && { versionId: Number(row.versionId), deleted: Boolean(Number(row.deleted)), content: row.content };
}

export async function insertRow(db: Database, tx: Transaction, type: string, id: string, lastUpdated: Date, content: string): Promise<void> {
  await appendRow(db, db.models.FhirResource, { resourceType: type, id, versionId: 1, lastUpdated, deleted: false, content }, tx);
}

const SEARCH_LOOKUPS: LookupModelName[] = ['FhirToken', 'FhirString', 'FhirDate', 'FhirReference', 'FhirQuantity', 'FhirUri', 'FhirComposite'];

/** A resource's first row: version 1 of a resource new to the store. */
export interface FirstRow {
  id: string;
  lastUpdated: Date;
  content: string;
}

/** The first rows of many new resources of one type, in one INSERT per table: the resource rows and their versions. */
export async function insertFirstRows(db: Database, tx: Transaction, type: string, rows: FirstRow[]): Promise<void> {
  await appendRows(db, db.models.FhirResource, rows.map(({ id, lastUpdated, content }) => ({ resourceType: type, id, versionId: 1, lastUpdated, deleted: false, content })), tx);
  await appendRows(db, db.models.ResourceVersion, rows.map(({ id, lastUpdated, content }) => ({ resourceType: type, resourceId: id, versionId: 1, recordedAt: lastUpdated, content })), tx);
}

/** The lookup rows of many new resources, in one INSERT per lookup table. */
export async function insertLookups(db: Database, tx: Transaction, rows: LookupRows[]): Promise<void> {
  for (const name of [...SEARCH_LOOKUPS, 'FhirCompartment' as const]) await appendRows(db, db.models[name], rows.flatMap((of) => of[name]), tx);
}

/** Writes version `versionId` over version `versionId - 1`; false when another writer got there first. */
export async function replaceRow(
  db: Database, tx: Transaction, type: string, id: string, row: { versionId: number; lastUpdated: Date; deleted: boolean; content?: string },
): Promise<boolean> {
  const [count] = await db.models.FhirResource.update(
    { versionId: row.versionId, lastUpdated: row.lastUpdated, deleted: row.deleted, ...(row.content === undefined ? {} : { content: row.content }) },
    { where: { resourceType: type, id, versionId: row.versionId - 1 }, transaction: tx },
  );
  return count === 1;
}

/**
 * Replaces the lookup rows of a resource (`fresh`: it has none yet). `rows` undefined (a delete) removes its search
 * values but keeps the patients it belongs to, which still decide who may learn that it was deleted.
 */
export async function replaceLookups(db: Database, tx: Transaction, type: string, id: string, rows: LookupRows | undefined, fresh: boolean): Promise<void> {
  const models = rows ? [...SEARCH_LOOKUPS, 'FhirCompartment' as const] : SEARCH_LOOKUPS;
  for (const name of models) {
    if (!fresh) await db.models[name].destroy({ where: { resourceType: type, resourceId: id }, transaction: tx });
    if (rows) await appendRows(db, db.models[name], rows[name], tx);
  }
}

/** Appends one version to resource_versions: the whole resource, or '' for a deletion. */
export async function appendVersion(db: Database, tx: Transaction, type: string, id: string, versionId: number, recordedAt: Date, content: string): Promise<void> {
  await appendRow(db, db.models.ResourceVersion, { resourceType: type, resourceId: id, versionId, recordedAt, content }, tx);
}

export interface VersionRow { versionId: number; recordedAt: Date; content: string }

export async function versionsOf(db: Database, type: string, id: string, tx?: Transaction, versionId?: number): Promise<VersionRow[]> {
  const found = await db.models.ResourceVersion.findAll({
    where: { resourceType: type, resourceId: id, ...(versionId === undefined ? {} : { versionId }) },
    attributes: ['versionId', 'recordedAt', 'content'], order: [['versionId', 'DESC']], transaction: tx, raw: true,
  });
  return found as unknown as VersionRow[];
}
