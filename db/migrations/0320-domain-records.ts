import type { Resource } from '@medplum/fhirtypes';
import { isDeepStrictEqual } from 'node:util';
import { QueryTypes, type Model, type ModelStatic, type QueryInterface, type Sequelize, type Transaction } from 'sequelize';
import { lookupRowsOf, type LookupRows } from '../../server/fhir/repository/index-rows.js';
import { stamped } from '../../server/fhir/repository/repository.js';
import { definitionOf, type ResourceDefinition, type Row } from '../../server/fhir/registry.js';
// The registry's declarations: their mappings are what records.ts stores for a row.
import '../../server/fhir/resources/index.js';
import { defineModels, type Models } from '../models/index.js';
import type { Migration } from './index.js';

/**
 * Until this release the domain types (Patient, Practitioner, Observation, Appointment …) were their rows: no
 * stored resource in fhir_resources, no lookup rows, and in resource_versions the ROW as it was at each version
 * (the old `recordVersion`), or nothing. This upgrade gives every row that has no stored resource what
 * server/fhir/repository/records.ts gives a row it creates: its mapping stored as the current resource with its
 * lookup rows, and a version history of resources: each row-shaped version becomes the resource that row maps to
 * (same number, same time), version 1 is written when it is missing, and a version is appended where the row says
 * more than its last version. The row's versionId is the stored resource's afterwards.
 *
 * Pages of PAGE rows, one transaction each: a page is upgraded whole or not at all, and the next run (or this one
 * after a crash) starts from the rows still without a stored resource, so running it twice changes nothing.
 * Rows are read through the models and mapped by the registry's mappings of this release, as records.ts does.
 */
const PAGE = 500;

type Json = Resource & { id: string; meta: { versionId: string; lastUpdated: string } };

/**
 * The domain types and the model holding their rows, in the order they are upgraded: PractitionerRole before
 * Practitioner, because its history is in the Practitioner's row-shaped versions (one row, two resources).
 */
const DOMAIN_TYPES: Array<[type: string, model: keyof Models, versionsKeptUnder?: string]> = [
  ['PractitionerRole', 'Practitioner', 'Practitioner'], ['Practitioner', 'Practitioner'], ['Organization', 'Organization'], ['Patient', 'Patient'],
  ['Coverage', 'Coverage'], ['Condition', 'Condition'], ['Encounter', 'Encounter'], ['Observation', 'Observation'],
  ['DiagnosticReport', 'DiagnosticReport'], ['Schedule', 'Schedule'], ['Slot', 'Slot'], ['Appointment', 'Appointment'],
];

interface VersionRow { id: number | string; resourceType: string; resourceId: string; versionId: number; recordedAt: Date | string; content: string }

/** What one page writes: the stored resources, the version rows rewritten as resources, the versions added. */
interface PageWrites {
  stored: Json[];
  rewritten: Array<{ id: number | string; content: string }>;
  added: Json[];
  realigned: Array<{ id: string; versionId: number }>;
}

interface Upgrade {
  q: QueryInterface;
  models: Models;
  definition: ResourceDefinition;
  Rows: ModelStatic<Model>;
  /** The type the previous release kept this type's versions under, when not its own. */
  versionsKeptUnder?: string;
  tx: Transaction;
}

const withoutMeta = (resource: Resource) => ({ ...resource, meta: undefined });
const versionOf = (resource: Json) => Number(resource.meta.versionId);

/** A row as the previous release wrote it into resource_versions (JSON), with its instants as Dates again. */
function rowOfVersion(Rows: ModelStatic<Model>, content: Row): Row {
  const row: Row = { ...content };
  for (const [name, attribute] of Object.entries(Rows.getAttributes())) {
    const key = (attribute.type as { key?: string }).key;
    if (key === 'DATE' && typeof row[name] === 'string') row[name] = new Date(row[name] as string);
  }
  return row;
}

/** When the row last changed, as records.ts stamps it: meta.lastUpdated and `_lastUpdated` (the column) agree. */
const changedAt = (row: Row) => (row.updatedAt instanceof Date ? row.updatedAt : new Date());

/** The row's versions as resources, by number: its own, then those of the type its versions were kept under. */
function historyOf(up: Upgrade, row: Row, versions: VersionRow[], writes: PageWrites): Map<number, Json> {
  const id = String(row.id);
  const history = new Map<number, Json>();
  for (const version of versions) {
    const own = version.resourceType === up.definition.type;
    if (version.content === '' || history.has(version.versionId)) continue;
    const parsed = JSON.parse(version.content) as Row & { resourceType?: unknown };
    if (typeof parsed.resourceType === 'string') {
      if (own) history.set(version.versionId, parsed as unknown as Json);
      continue;
    }
    const resource = stamped(up.definition.toResource(rowOfVersion(up.Rows, parsed)), id, version.versionId, new Date(version.recordedAt)) as Json;
    history.set(version.versionId, resource);
    if (own) writes.rewritten.push({ id: version.id, content: JSON.stringify(resource) });
    else writes.added.push(resource);
  }
  return history;
}

/** The stored resource of a row and the versions its history lacks (its current state, and version 1). */
function upgradeRow(up: Upgrade, row: Row, versions: VersionRow[], writes: PageWrites): void {
  const id = String(row.id);
  const history = historyOf(up, row, versions, writes);
  const current = up.definition.toResource(row);
  const numbers = [...history.keys()].sort((a, b) => a - b);
  const last = numbers.length ? history.get(numbers[numbers.length - 1]) : undefined;
  const rowVersion = Number(row.versionId ?? 1);
  const stored = last && versionOf(last) >= rowVersion && isDeepStrictEqual(withoutMeta(last), withoutMeta(current))
    ? last
    : stamped(current, id, last ? Math.max(versionOf(last) + 1, rowVersion) : rowVersion,
      last && changedAt(row) <= new Date(last.meta.lastUpdated) ? new Date() : changedAt(row)) as Json;
  if (stored !== last) writes.added.push(stored);
  if (!history.has(1) && versionOf(stored) !== 1) {
    // Never stored (a row seeded, or versioned only from its second change on): its first known state stands for it.
    const createdAt = row.createdAt instanceof Date ? row.createdAt : new Date(stored.meta.lastUpdated);
    writes.added.push(stamped(numbers.length ? history.get(numbers[0])! : current, id, 1, createdAt) as Json);
  }
  writes.stored.push(stored);
  if (versionOf(stored) !== rowVersion) writes.realigned.push({ id, versionId: versionOf(stored) });
}

/** The ids of the next page of rows with no stored resource of `type`, after `after` in id order. */
async function pageWithoutRecords(up: Upgrade, after: string | undefined): Promise<Row[]> {
  const table = up.Rows.getTableName() as string;
  const ids = await up.q.sequelize.query<{ id: string }>(
    `SELECT t.id FROM ${table} t WHERE ${after === undefined ? '' : 't.id > ? AND '}`
      + 'NOT EXISTS (SELECT 1 FROM fhir_resources f WHERE f.resourceType = ? AND f.id = t.id) ORDER BY t.id LIMIT ?',
    { replacements: [...(after === undefined ? [] : [after]), up.definition.type, PAGE], type: QueryTypes.SELECT, transaction: up.tx },
  );
  if (!ids.length) return [];
  const rows = await up.Rows.findAll({ where: { id: ids.map((r) => r.id) }, order: [['id', 'ASC']], transaction: up.tx });
  return rows.map((row) => row.get({ plain: true }) as Row);
}

async function versionsOfPage(up: Upgrade, rows: Row[]): Promise<Map<string, VersionRow[]>> {
  const types = [up.definition.type, ...(up.versionsKeptUnder ? [up.versionsKeptUnder] : [])];
  const found = await up.q.sequelize.query<VersionRow>(
    `SELECT id, resourceType, resourceId, versionId, recordedAt, content FROM resource_versions WHERE resourceType IN (${types.map(() => '?').join(', ')}) `
      + `AND resourceId IN (${rows.map(() => '?').join(', ')}) ORDER BY versionId`,
    { replacements: [...types, ...rows.map((row) => String(row.id))], type: QueryTypes.SELECT, transaction: up.tx },
  );
  const byRow = new Map<string, VersionRow[]>();
  // Its own versions first: where both types hold a version n, the type's own is the one kept.
  for (const version of found.sort((a, b) => Number(b.resourceType === up.definition.type) - Number(a.resourceType === up.definition.type))) {
    byRow.set(version.resourceId, [...(byRow.get(version.resourceId) ?? []), { ...version, versionId: Number(version.versionId) }]);
  }
  return byRow;
}

/**
 * Rows of one model in one INSERT built by Sequelize, as this migration shipped: a migration keeps its own
 * statements, whatever later releases do to db/insert.ts.
 */
async function appendRows(sequelize: Sequelize, model: ModelStatic<Model>, rows: Record<string, unknown>[], tx: Transaction): Promise<void> {
  if (rows.length === 0) return;
  const builder = (sequelize.getQueryInterface() as unknown as { queryGenerator: { bulkInsertQuery(table: string, rows: object[], options: object, attributes: object): string } }).queryGenerator;
  await sequelize.query(builder.bulkInsertQuery(model.getTableName() as string, rows, {}, model.getAttributes()), { type: QueryTypes.INSERT, transaction: tx });
}

async function write(up: Upgrade, writes: PageWrites): Promise<void> {
  const { q, models, definition, versionsKeptUnder, tx } = up;
  const db = q.sequelize;
  if (writes.rewritten.length) {
    await q.sequelize.query(
      `UPDATE resource_versions SET content = CASE id ${writes.rewritten.map(() => 'WHEN ? THEN ?').join(' ')} END WHERE id IN (${writes.rewritten.map(() => '?').join(', ')})`,
      { replacements: [...writes.rewritten.flatMap((v) => [v.id, v.content]), ...writes.rewritten.map((v) => v.id)], transaction: tx },
    );
  }
  await appendRows(db, models.ResourceVersion as unknown as ModelStatic<Model>, writes.added.map((resource) => ({
    resourceType: definition.type, resourceId: resource.id, versionId: versionOf(resource), recordedAt: new Date(resource.meta.lastUpdated), content: JSON.stringify(resource),
  })), tx);
  await appendRows(db, models.FhirResource as unknown as ModelStatic<Model>, writes.stored.map((resource) => ({
    resourceType: definition.type, id: resource.id, versionId: versionOf(resource), lastUpdated: new Date(resource.meta.lastUpdated), deleted: false,
    content: JSON.stringify(resource),
  })), tx);
  const lookups = writes.stored.map(lookupRowsOf);
  for (const name of Object.keys(lookups[0]) as Array<keyof LookupRows>) {
    await appendRows(db, models[name] as unknown as ModelStatic<Model>, lookups.flatMap((rows) => rows[name]), tx);
  }
  // Not for PractitionerRole: the Practitioner's own upgrade (after it) aligns the row they share.
  if (versionsKeptUnder) return;
  for (const { id, versionId } of writes.realigned) {
    await up.Rows.update({ versionId }, { where: { id }, transaction: tx, silent: true });
  }
}

async function upgradeType(upgrade: Omit<Upgrade, 'tx'>): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const rows = await upgrade.q.sequelize.transaction(async (tx) => {
      const up: Upgrade = { ...upgrade, tx };
      const page = await pageWithoutRecords(up, after);
      if (!page.length) return page;
      const versions = await versionsOfPage(up, page);
      const writes: PageWrites = { stored: [], rewritten: [], added: [], realigned: [] };
      for (const row of page) upgradeRow(up, row, versions.get(String(row.id)) ?? [], writes);
      await write(up, writes);
      return page;
    });
    if (rows.length < PAGE) return;
    after = String(rows[rows.length - 1].id);
  }
}

export const domainRecords: Migration = {
  name: '0320-domain-records',
  async up({ context: q }) {
    // The models of this release over the migration's connection, so rows are read typed as the records read them.
    const models = defineModels(q.sequelize);
    for (const [type, model, versionsKeptUnder] of DOMAIN_TYPES) {
      await upgradeType({ q, models, definition: definitionOf(type)!, Rows: models[model] as unknown as ModelStatic<Model>, versionsKeptUnder });
    }
  },
  async down() {
    // Nothing to undo: an older release reads these records from their tables and ignores the stored resources.
  },
};
