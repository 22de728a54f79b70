import { isDeepStrictEqual } from 'node:util';
import type { Resource } from '@medplum/fhirtypes';
import type { Transaction } from 'sequelize';
import type { Database } from '../../../db/connection.js';
import type { AuditAction } from '../../../db/models/audit-event.js';
import { recordAudit } from '../../audit/audit-log.js';
import type { Caller, Origin } from '../../auth/caller.js';
import { lookupRowsOf, patientsOf } from './index-rows.js';
import { stamped } from './repository.js';
import { appendVersion, insertRow, loadRow, replaceLookups, replaceRow } from './store.js';

/**
 * The resources a domain act leaves behind, derived from the rows its use case keeps (docs/fhir.md "Records of
 * the domain acts"): a prescription's Task, its MedicationRequests and the Provenance of its signature, a
 * handover's MedicationDispense, a Consent, a visit's Communications and note (Composition), a CarePlan, an
 * uploaded diagnosis (DocumentReference), a complaint (Task). Their /api use cases keep every rule; /fhir reads,
 * searches and lists their history, and refuses to write them (DERIVED_TYPES in generic-types.ts).
 *
 * `storeDerived` is their one writer, in the act's transaction: each resource is stored whole in fhir_resources,
 * with its lookup rows and a new version in resource_versions when it differs from the stored one (a first
 * resource is version 1), and the act's audit event. A resource equal to the stored one (meta aside) is not
 * versioned again.
 */
export interface DerivedContext {
  db: Database;
  caller: Caller | Origin;
  tx: Transaction;
}

export interface DerivedAct {
  /** The audit event's action and activity (`prescription-issued` …), one event per resource that changed. */
  action: AuditAction;
  activity: string;
  detail?: string;
}

type Json = Resource & { id: string };

const withoutMeta = (resource: Resource) => ({ ...resource, meta: undefined });

/** Stores each resource as the current state of its record; returns them as stored (with meta). */
export async function storeDerived(ctx: DerivedContext, resources: Resource[], act: DerivedAct): Promise<Json[]> {
  const now = new Date();
  const written: Json[] = [];
  for (const resource of resources as Json[]) {
    const { resourceType: type, id } = resource;
    if (!id) throw new Error(`A derived ${type} needs the id of the record it comes from`);
    const row = await loadRow(ctx.db, type, id, ctx.tx, true);
    const current = row && !row.deleted ? JSON.parse(row.content) as Json : undefined;
    if (current && isDeepStrictEqual(withoutMeta(current), withoutMeta(resource))) {
      written.push(current);
      continue;
    }
    const versionId = row ? row.versionId + 1 : 1;
    const stored = stamped(resource, id, versionId, now);
    const content = JSON.stringify(stored);
    if (!row) await insertRow(ctx.db, ctx.tx, type, id, now, content);
    else if (!(await replaceRow(ctx.db, ctx.tx, type, id, { versionId, lastUpdated: now, deleted: false, content }))) {
      throw new Error(`${type}/${id} changed under its own act's lock`);
    }
    await replaceLookups(ctx.db, ctx.tx, type, id, lookupRowsOf(stored), !row);
    await appendVersion(ctx.db, ctx.tx, type, id, versionId, now, content);
    await recordAudit(ctx.db, ctx.caller, {
      action: row ? (act.action === 'C' ? 'U' : act.action) : 'C', activity: act.activity, detail: act.detail,
      resourceType: type, resourceId: id, patientId: patientsOf(stored)[0] ?? null,
    }, ctx.tx);
    written.push(stored);
  }
  return written;
}
