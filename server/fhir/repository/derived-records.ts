import type { Resource } from '@medplum/fhirtypes';
import type { AuditAction } from '../../../db/models/audit-event.js';
import { writeResourceVersion, type WriterContext } from './repository.js';

/**
 * The resources a domain act leaves behind, derived from the rows its use case keeps (docs/fhir.md "Records of
 * the domain acts"): a prescription's Task, its MedicationRequests and the Provenance of its signature, a
 * handover's MedicationDispense, a Consent, a visit's Communications and note (Composition), a CarePlan, an
 * uploaded diagnosis (DocumentReference), a complaint (Task). Their /api use cases keep every rule; /fhir reads,
 * searches and lists their history, and refuses to write them (DERIVED_TYPES in generic-types.ts).
 *
 * `storeDerived` stores them in the act's transaction, through the repository's one writer (repository.ts
 * writeResourceVersion): each resource whole in fhir_resources, with its lookup rows and a new version in
 * resource_versions when it differs from the stored one (a first resource is version 1), and the act's audit event. A resource equal to the stored one (meta aside) is not
 * versioned again.
 */
export type DerivedContext = WriterContext;

export interface DerivedAct {
  /** The audit event's action and activity (`prescription-issued` …), one event per resource that changed. */
  action: AuditAction;
  activity: string;
  detail?: string;
}

type Json = Resource & { id: string };

/** Stores each resource as the current state of its record; returns them as stored (with meta). */
export async function storeDerived(ctx: DerivedContext, resources: Resource[], act: DerivedAct): Promise<Json[]> {
  const at = new Date();
  const written: Json[] = [];
  for (const resource of resources) {
    const { resourceType: type, id } = resource;
    if (!id) throw new Error(`A derived ${type} needs the id of the record it comes from`);
    written.push(await writeResourceVersion(ctx, { type, id, next: resource, current: 'load', at, skipUnchanged: true, audit: act }));
  }
  return written;
}
