import type { Resource } from '@medplum/fhirtypes';
import { accessRule } from '../../auth/access-rule.js';
import { readsOnlyAsClaimEvidence } from '../../auth/care-relationship.js';
import { roleRefusal, scopeRefusal } from '../../auth/patient-access.js';
import type { AccessMode } from '../../auth/scopes.js';
import { Forbidden } from '../../http/errors.js';
import { AccessRefused, auditOf, resourceNotFound } from '../access.js';
import type { FhirContext } from '../registry.js';
import { patientsOf } from './index-rows.js';
import { isInPatientCompartment } from './r4-search-parameters.js';

/**
 * Who may read and write a resource the repository stores (docs/fhir.md "Who may see what in the repository"):
 * one rule (auth/access-rule.ts), from the Patient CompartmentDefinition and the care relationships of
 * auth/care-relationship.ts, giving both the check on one resource (assertResourceAccess) and the filter of a
 * search (searchAccessSql).
 * - A type in the compartment: its resource belongs to the patients its compartment parameters reference.
 *   The role must reach the type (roleReachesType, minimum necessary) and the token's scope allow it; a reader
 *   needs one of those patients in their care, a writer every one of them. One that names no patient is the
 *   care team's: doctors and admins only.
 * - A type outside it (Medication, Organization-like directories, Questionnaire …): shared reference data,
 *   readable by every signed-in caller whose scope allows it, written by doctors and admins.
 * - An insurer reads a clinical type only as the evidence of an open claim made to it (care-relationship.ts
 *   claimEvidenceSql): its type is reached, and each resource must be both a member's and that evidence.
 * A resource the caller may not read answers the 404 of one that does not exist. Refusals are audited.
 */
const TEAM_ROLES = new Set(['doctor', 'admin']);

function refuse(type: string, mode: AccessMode, error: Forbidden | ReturnType<typeof resourceNotFound>, why: string,
  patientId: string | null = null): never {
  throw new AccessRefused(error, auditOf(mode, type, patientId, why));
}

/** The checks that need no resource: role and scope. Run before anything is looked up or validated. */
export function assertTypeReach(ctx: FhirContext, type: string, mode: AccessMode): void {
  const { caller } = ctx;
  if (isInPatientCompartment(type)) {
    const reached = readsOnlyAsClaimEvidence(caller.role, type, mode);
    const refusal = (reached ? undefined : roleRefusal(caller, type, mode)) ?? scopeRefusal(caller, type, mode);
    if (refusal) refuse(type, mode, refusal.error, refusal.why);
    return;
  }
  if (mode === 'write' && !TEAM_ROLES.has(caller.role)) {
    refuse(type, mode, new Forbidden('wrong-role', `${type} records are written by doctors and admins.`), `role ${caller.role} may not write ${type}`);
  }
  const refusal = scopeRefusal(caller, type, mode);
  if (refusal) refuse(type, mode, refusal.error, refusal.why);
}

/** The repository's access rule on a type: its records' patients are those its compartment parameters name. */
const ruleOf = (ctx: FhirContext, type: string, mode: AccessMode) => accessRule(ctx.db, ctx.caller, type, mode, {
  compartment: isInPatientCompartment(type), unattached: TEAM_ROLES.has(ctx.caller.role), pending: ctx.pendingReferences,
});

/**
 * Role, scope, and the patients the resource belongs to. `id` names a stored resource: a refusal then answers
 * as if it did not exist. Without it (a new resource), a refusal is a 403. A stored resource's patients come
 * from its compartment rows (`storedPatients`), the ones a search filters on; otherwise from its references.
 */
export async function assertResourceAccess(
  ctx: FhirContext, resource: Resource, mode: AccessMode, id?: string, storedPatients?: string[],
): Promise<void> {
  const type = resource.resourceType;
  assertTypeReach(ctx, type, mode);
  const patients = storedPatients ?? patientsOf(resource);
  const decision = await ruleOf(ctx, type, mode).allows({ patients, id: resource.id });
  if (decision.allowed) return;
  const error = id !== undefined ? resourceNotFound(type, id) : patients.length === 0
    ? new Forbidden('names-no-patient', `A ${type} that names no patient is written by doctors and admins; name the patient it is about.`)
    : new Forbidden('not-your-patient', 'You may only write records of patients in your care.');
  refuse(type, mode, error, decision.why, decision.patientId);
}

/**
 * The filter on `fhir_resources r` that keeps a search inside what assertResourceAccess allows to read, or
 * undefined when the caller reads every resource of the type; a read by id asks its row the same (repository.ts).
 * Call after assertTypeReach. A row's patients are looked up by its own key (a correlated EXISTS), so a search costs
 * one index lookup a candidate row: the form `r.id IN (every resource of the type in the caller's care)` listed
 * them all first, 100,000 for a doctor whose patient has 100,000 RelatedPersons.
 */
export function searchAccessSql(ctx: FhirContext, type: string): string | undefined {
  return ruleOf(ctx, type, 'read').whereSql({
    id: 'r.id',
    hasPatientWhere: (inCare) => `EXISTS (SELECT 1 FROM fhir_compartments c WHERE c.resourceType = r.resourceType AND c.resourceId = r.id AND ${inCare('c.patientId')})`,
    hasNoPatient: 'NOT EXISTS (SELECT 1 FROM fhir_compartments n WHERE n.resourceType = r.resourceType AND n.resourceId = r.id)',
  });
}
