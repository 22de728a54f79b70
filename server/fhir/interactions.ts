import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Transaction } from 'sequelize';
import { recordAudit } from '../audit/audit-log.js';
import { MethodNotAllowed, NotFound } from '../http/errors.js';
import { assertRowAccess, assertTypeAccess, resourceNotFound } from './access.js';
import type { FhirContext, ResourceDefinition, ResourceStore, Row } from './registry.js';
import { plainRow } from './search.js';

/** A resource as stored: the resource itself plus what the HTTP layer turns into ETag, Location, Last-Modified. */
export interface Stored {
  resource: Resource;
  versionId: string;
  lastUpdated: string;
  /** 201 for a create, 200 otherwise. */
  status: number;
}

type WriteContext = FhirContext & { tx: Transaction };

/**
 * Every interaction goes to the FHIR repository (server/fhir/repository/), which stores every resource whole,
 * domain types included. The one type it does not store is AuditEvent, read-only and unversioned, read here
 * from its own table.
 */
function storeOf(definition: ResourceDefinition): ResourceStore | undefined {
  return definition.store;
}

const readOnly = (definition: ResourceDefinition) => new MethodNotAllowed(['GET'], `${definition.type} is read-only.`);

function patientOf(definition: ResourceDefinition, row: Row): string | null {
  if (!definition.patientColumn) return null;
  const value = row[definition.patientColumn];
  return value === null || value === undefined ? null : String(value);
}

/** A row of a table-only type (AuditEvent, integer keys) by its FHIR id; an id the key cannot hold is no row. */
async function loadTableRow(ctx: FhirContext, definition: ResourceDefinition, id: string): Promise<Row> {
  const Model = definition.model(ctx.db);
  const keyType = Model.getAttributes()[Model.primaryKeyAttribute]?.type as { key?: string } | undefined;
  const fits = !(keyType?.key === 'INTEGER' || keyType?.key === 'BIGINT') || /^\d{1,18}$/.test(id);
  const instance = fits ? await Model.findByPk(id, { transaction: ctx.tx }) : null;
  if (!instance) throw resourceNotFound(definition.type, id);
  return plainRow(instance);
}

export async function read(ctx: FhirContext, definition: ResourceDefinition, id: string): Promise<Stored> {
  const store = storeOf(definition);
  if (store) return store.read(ctx, id);
  assertTypeAccess(ctx, definition, 'read'); // a type the caller may never read is refused before any lookup
  const row = await loadTableRow(ctx, definition, id);
  await assertRowAccess(ctx, definition, patientOf(definition, row), 'read', id);
  await recordAudit(ctx.db, ctx.caller, { action: 'R', activity: 'read', resourceType: definition.type, resourceId: id, patientId: patientOf(definition, row) }, ctx.tx);
  const resource = definition.toResource(row);
  return { resource, versionId: resource.meta?.versionId ?? '1', lastUpdated: resource.meta?.lastUpdated ?? new Date().toISOString(), status: 200 };
}

export async function vread(ctx: FhirContext, definition: ResourceDefinition, id: string, version: string): Promise<Stored> {
  const store = storeOf(definition);
  if (!store) throw new NotFound('version-not-found', `${definition.type}/${id} has no version ${version}.`);
  return store.vread(ctx, id, version);
}

export async function history(ctx: FhirContext, definition: ResourceDefinition, id: string): Promise<Bundle> {
  const store = storeOf(definition);
  if (!store) throw readOnly(definition);
  return store.history(ctx, id);
}

export async function checkBeforeWriting(ctx: FhirContext, definition: ResourceDefinition, body: unknown, existingId?: string): Promise<void> {
  const store = storeOf(definition);
  if (!store) throw readOnly(definition);
  return store.checkBeforeWriting(ctx, body, existingId);
}

export async function create(ctx: WriteContext, definition: ResourceDefinition, body: unknown, id?: string): Promise<Stored> {
  const store = storeOf(definition);
  if (!store) throw readOnly(definition);
  return store.create(ctx, body, id);
}

export async function createIfNoneExist(ctx: WriteContext, definition: ResourceDefinition, body: unknown, criteria: string, id?: string): Promise<Stored> {
  const store = storeOf(definition);
  if (!store) throw readOnly(definition);
  return store.createIfNoneExist(ctx, body, criteria, id);
}

export async function update(ctx: WriteContext, definition: ResourceDefinition, id: string, body: unknown, ifMatch?: string): Promise<Stored> {
  const store = storeOf(definition);
  if (!store) throw readOnly(definition);
  return store.update(ctx, id, body, ifMatch);
}

export async function remove(ctx: WriteContext, definition: ResourceDefinition, id: string, ifMatch?: string): Promise<Stored> {
  const store = storeOf(definition);
  if (!store) throw readOnly(definition);
  return store.remove(ctx, id, ifMatch);
}
