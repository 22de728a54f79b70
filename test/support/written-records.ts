import { Op, QueryTypes } from 'sequelize';
import { registeredTypes } from '../../server/fhir/registry.js';
import type { TestNode } from './test-node.js';

/**
 * What a request wrote to the records, read from the database around it: the stored resources it created or
 * changed, the version rows and audit events it added, and the domain rows whose version moved. The checks of
 * issue 12 ("every /api write leaves a stored version and an audit event") are made on this, not on the answer.
 */
export interface RecordsBefore {
  resources: Map<string, string>;
  rows: Map<string, number>;
  lastAuditId: number;
  lastVersionId: number;
}

/** Types whose writes no one audits: the hospital's calendar (server/fhir/repository/records.ts CALENDAR). */
const UNAUDITED = new Set(['Slot', 'Schedule']);
/** A type stored from another type's row (a practitioner's row is also its PractitionerRole): audited as that type. */
const AUDITED_AS: Readonly<Record<string, string>> = { PractitionerRole: 'Practitioner' };

const WRITES = new Set(['C', 'U', 'D']);
const key = (type: string, id: string) => `${type}/${id}`;

/** The domain types with a table of their own, each read once (a table two types share is read as the first). */
function domainTables(hospital: TestNode) {
  const seen = new Set<unknown>();
  return registeredTypes().filter((definition) => {
    if (definition.store || definition.type === 'AuditEvent') return false;
    const model = definition.model(hospital.db);
    if (seen.has(model) || !model.getAttributes().versionId) return false;
    seen.add(model);
    return true;
  }).map((definition) => ({ type: definition.type, model: definition.model(hospital.db) }));
}

/** Every stored resource's version, time and size (a change of content without a new version shows too). */
async function storedResources(hospital: TestNode): Promise<Map<string, string>> {
  const rows = await hospital.db.sequelize.query<{ resourceType: string; id: string; versionId: number; lastUpdated: unknown; size: number }>(
    'SELECT resourceType, id, versionId, lastUpdated, LENGTH(content) AS size FROM fhir_resources', { type: QueryTypes.SELECT },
  );
  return new Map(rows.map((r) => [key(r.resourceType, r.id), `${r.versionId}|${String(r.lastUpdated)}|${r.size}`]));
}

async function domainRowVersions(hospital: TestNode): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  for (const { type, model } of domainTables(hospital)) {
    const rows = await model.findAll({ attributes: ['id', 'versionId'], raw: true }) as unknown as Array<{ id: string; versionId: number }>;
    for (const row of rows) versions.set(key(type, String(row.id)), Number(row.versionId));
  }
  return versions;
}

export async function recordsBefore(hospital: TestNode): Promise<RecordsBefore> {
  const lastAuditId = Number(await hospital.db.models.AuditEvent.max('id') ?? 0);
  const lastVersionId = Number(await hospital.db.models.ResourceVersion.max('id') ?? 0);
  return { resources: await storedResources(hospital), rows: await domainRowVersions(hospital), lastAuditId, lastVersionId };
}

const changedKeys = <T>(before: Map<string, T>, after: Map<string, T>) =>
  [...after].filter(([name, value]) => before.get(name) !== value).map(([name]) => name);

/** The stored resource, and each version it gained, as resource_versions holds it: what is missing or differs. */
async function unversioned(hospital: TestNode, name: string, before: RecordsBefore): Promise<string[]> {
  const [type, id] = name.split('/');
  const stored = await hospital.db.models.FhirResource.findOne({ where: { resourceType: type, id }, raw: true, rejectOnEmpty: true });
  const from = Number(before.resources.get(name)?.split('|')[0] ?? 0) + 1;
  const versions = await hospital.db.models.ResourceVersion.findAll({
    where: { resourceType: type, resourceId: id, versionId: { [Op.gte]: from } }, raw: true,
  });
  const problems: string[] = [];
  for (let versionId = from; versionId <= stored.versionId; versionId++) {
    if (!versions.some((v) => v.versionId === versionId)) problems.push(`${name} has no version ${versionId} in resource_versions`);
  }
  const current = versions.find((v) => v.versionId === stored.versionId);
  if (current && current.content !== stored.content) problems.push(`${name} version ${stored.versionId} differs from its version row`);
  if (stored.versionId < from) problems.push(`${name} changed without a new version (still ${stored.versionId})`);
  return problems;
}

type Event = { action: string; activity: string; outcome: string; resourceType: string | null; resourceId: string | null };
const named = (event: Event) => key(String(event.resourceType), String(event.resourceId));

/** Each resource written needs an audit event naming it (a companion type's names its row's own type). */
function unaudited(resources: string[], events: Event[]): string[] {
  const audited = new Set(events.map(named));
  return resources.filter((name) => {
    const [type, id] = name.split('/');
    return !UNAUDITED.has(type) && !audited.has(key(AUDITED_AS[type] ?? type, id));
  }).map((name) => `${name} changed without an audit event naming it`);
}

/** A version row is appended with its resource, never on its own. */
async function strayVersions(hospital: TestNode, resources: string[], before: RecordsBefore): Promise<string[]> {
  const versions = await hospital.db.models.ResourceVersion.findAll({
    where: { id: { [Op.gt]: before.lastVersionId } }, attributes: ['resourceType', 'resourceId', 'versionId'], raw: true,
  });
  return versions.filter((v) => !resources.includes(key(v.resourceType, v.resourceId)))
    .map((v) => `version ${v.versionId} of ${v.resourceType}/${v.resourceId} was added without its stored resource changing`);
}

/** Each domain row whose version moved has its stored resource at that version. */
async function rowsAhead(hospital: TestNode, before: RecordsBefore): Promise<string[]> {
  const rows = await domainRowVersions(hospital);
  const problems: string[] = [];
  for (const name of changedKeys(before.rows, rows)) {
    const [type, id] = name.split('/');
    const stored = await hospital.db.models.FhirResource.findOne({ where: { resourceType: type, id }, attributes: ['versionId'], raw: true });
    if (!stored) problems.push(`${name}: its row is at version ${rows.get(name)} but no resource is stored`);
    else if (stored.versionId !== rows.get(name)) problems.push(`${name}: its row is at version ${rows.get(name)}, its stored resource at ${stored.versionId}`);
  }
  return problems;
}

/**
 * What the request wrote: the stored resources it created or changed; `problems`, what it left unrecorded (a
 * resource without its versions or an audit event naming it, a version row without its resource, a domain row
 * ahead of its resource); `strayAudits`, its audit events of a write that name no resource it stored (a row kept
 * behind the repository).
 */
export async function writtenRecords(hospital: TestNode, before: RecordsBefore): Promise<{ resources: string[]; problems: string[]; strayAudits: string[] }> {
  const resources = changedKeys(before.resources, await storedResources(hospital));
  const events = await hospital.db.models.AuditEvent.findAll({
    where: { id: { [Op.gt]: before.lastAuditId } }, attributes: ['action', 'activity', 'outcome', 'resourceType', 'resourceId'], raw: true,
  }) as Event[];
  const problems: string[] = [];
  for (const name of resources) problems.push(...await unversioned(hospital, name, before));
  problems.push(...unaudited(resources, events), ...await strayVersions(hospital, resources, before), ...await rowsAhead(hospital, before));
  const strayAudits = events.filter((e) => WRITES.has(e.action) && e.resourceId && e.outcome === '0' && !resources.includes(named(e)))
    .map((e) => `the audit event ${e.activity} names ${named(e)}, which the request did not store`);
  return { resources, problems, strayAudits };
}
