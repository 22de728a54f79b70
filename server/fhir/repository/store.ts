import type { Transaction } from 'sequelize';
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

/** fhir_resources' columns as the driver answers them (numbers or strings, 0/1 or booleans, by dialect). */
interface RawRow { versionId: number | string; deleted: number | boolean; content: string }

const storedRowOf = (row: RawRow): StoredRow => ({ versionId: Number(row.versionId), deleted: Boolean(Number(row.deleted)), content: row.content });

/** The row of a resource, read without building a model instance; `forUpdate` locks it on MySQL (SQLite has one writer). */
export async function loadRow(db: Database, type: string, id: string, tx?: Transaction, forUpdate = false): Promise<StoredRow | undefined> {
  const lock = forUpdate && tx && db.dialect === 'mysql' ? ' FOR UPDATE' : '';
  const [row] = await db.select<RawRow>(`SELECT versionId, deleted, content FROM fhir_resources WHERE resourceType = ? AND id = ?${lock}`, [type, id], tx);
  return row && storedRowOf(row);
}

/** A read's column `readable`: whether its row passes the access rule's SQL (1 or 0); nothing without one. */
const readableColumn = (readableSql: string | undefined) => (readableSql === undefined ? '' : `, CASE WHEN ${readableSql} THEN 1 ELSE 0 END AS readable`);

/**
 * The row of a resource with the patients its stored compartment rows name (fhir_compartments, written with it):
 * what access decides a read on, in one SELECT, and the same rows a search's access filter reads. Given that
 * filter (`readableSql`, on `r`), the same SELECT also says whether the row passes it (`readable`), so a read in
 * the caller's care costs no second statement.
 */
export async function loadRowWithPatients(db: Database, type: string, id: string, tx?: Transaction, readableSql?: string): Promise<(StoredRow & { patients: string[]; readable: boolean }) | undefined> {
  const [row] = await db.select<RawRow & { patients: string | null; readable?: number | string }>(
    `SELECT versionId, deleted, content, (SELECT GROUP_CONCAT(c.patientId) FROM fhir_compartments c WHERE c.resourceId = r.id AND c.resourceType = r.resourceType) AS patients${readableColumn(readableSql)}
     FROM fhir_resources r WHERE r.resourceType = ? AND r.id = ?`, [type, id], tx,
  );
  // Patient ids hold no comma (a FHIR id is [A-Za-z0-9-.]).
  return row && { ...storedRowOf(row), patients: row.patients ? [...new Set(row.patients.split(','))] : [], readable: Number(row.readable) === 1 };
}

/** Ids bound in one statement: well inside SQLite's 32,766 bound values, and MySQL's packet. */
const IDS_A_STATEMENT = 500;

/** The stored JSON of the resources of `type` with these ids that are not deleted, by id (one SELECT a 500 ids). */
export async function contentsOf(db: Database, type: string, ids: string[], tx?: Transaction): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  for (let at = 0; at < ids.length; at += IDS_A_STATEMENT) {
    const some = ids.slice(at, at + IDS_A_STATEMENT);
    const found = await db.select<{ id: string; content: string }>(
      `SELECT id, content FROM fhir_resources WHERE resourceType = ? AND deleted = 0 AND id IN (${some.map(() => '?').join(', ')})`,
      [type, ...some], tx,
    );
    for (const row of found) contents.set(row.id, row.content);
  }
  return contents;
}

/** Where a domain type keeps its rows: the table, its key column and, if it has one, its patient column. */
export interface DomainTable { table: string; key: string; patient?: string }

/**
 * A domain row's key and patient (what access decides on) and the row's stored resource, in one SELECT: the read
 * by id of a domain type: undefined when there is no such row; `stored` is missing when it has no stored resource.
 * Given the access rule's SQL on `d` (`readableSql`), the same SELECT says whether the row passes it (`readable`).
 */
export async function loadDomainRow(
  db: Database, type: string, domain: DomainTable, id: string, tx?: Transaction, readableSql?: string,
): Promise<{ patientId: string | null; stored?: StoredRow; readable: boolean } | undefined> {
  const patient = domain.patient ? `d.\`${domain.patient}\`` : 'NULL';
  const [row] = await db.select<Partial<RawRow> & { p: string | number | null; content: string | null; readable?: number | string }>(
    `SELECT ${patient} AS p, r.versionId, r.deleted, r.content${readableColumn(readableSql)} FROM \`${domain.table}\` d
     LEFT JOIN fhir_resources r ON r.resourceType = ? AND r.id = d.\`${domain.key}\` WHERE d.\`${domain.key}\` = ?`,
    [type, id], tx,
  );
  if (!row) return undefined;
  return {
    patientId: row.p === null ? null : String(row.p), stored: row.content === null ? undefined : storedRowOf(row as RawRow),
    readable: Number(row.readable) === 1,
  };
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
