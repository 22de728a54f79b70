import type { WhereOptions } from 'sequelize';
import { recordAudit, type AuditEntry } from '../audit/audit-log.js';
import { accessRule } from '../auth/access-rule.js';
import { readsOnlyAsClaimEvidence } from '../auth/care-relationship.js';
import { roleRefusal, scopeRefusal } from '../auth/patient-access.js';
import type { AccessMode } from '../auth/scopes.js';
import { DomainError, Forbidden, NotFound } from '../http/errors.js';
import type { FhirContext, ResourceDefinition } from './registry.js';
import type { DomainTable } from './repository/store.js';

/** What a read of a record that does not exist answers; a record the caller may not see answers the same. */
export const resourceNotFound = (type: string, id: string) => new NotFound('resource-not-found', `There is no ${type} with id ${id}.`);

/**
 * A refusal whose audit event must be written after the transaction it happened in has rolled back
 * (on SQLite an audit write inside would wait for the very lock the transaction holds). runInteraction in
 * http.ts writes it. It answers as the refusal it carries: a 403, or the 404 of a record that does not exist.
 */
export class AccessRefused extends DomainError {
  constructor(refusal: DomainError, readonly audit: AuditEntry) {
    super(refusal.status, refusal.code, refusal.message, refusal.issueType, refusal.details, refusal.extra);
  }
}

/** The audit entry of a refusal (outcome 4, minor failure). */
export const auditOf = (mode: AccessMode, type: string, patientId: string | null, why: string): AuditEntry => ({
  action: mode === 'read' ? 'R' : 'U', activity: 'refused', outcome: '4', resourceType: type, patientId, detail: why,
});

/** The role and scope checks that do not depend on a row: the same rules as /api (auth/patient-access.ts). */
export function assertTypeAccess(ctx: FhirContext, definition: ResourceDefinition, mode: AccessMode): void {
  const roles = mode === 'read' ? definition.readRoles : definition.writeRoles ?? definition.readRoles;
  if (roles && !roles.includes(ctx.caller.role)) {
    throw new AccessRefused(new Forbidden('wrong-role', `${definition.type} ${mode} is only for ${roles.join(' or ')} accounts.`),
      auditOf(mode, definition.type, null, `role ${ctx.caller.role} may not ${mode} ${definition.type}`));
  }
  // The minimum-necessary rule of each role reaches only the Patient compartment's types.
  const asEvidence = readsOnlyAsClaimEvidence(ctx.caller.role, definition.type, mode);
  const refusal = (definition.patientColumn && !asEvidence ? roleRefusal(ctx.caller, definition.type, mode) : undefined)
    ?? scopeRefusal(ctx.caller, definition.type, mode);
  if (refusal) throw new AccessRefused(refusal.error, auditOf(mode, definition.type, null, refusal.why));
}

/**
 * The one access rule (auth/access-rule.ts) on a domain type's rows: a row's patient is its `patientColumn`; a row
 * about no patient (a login's audit event) is outside every compartment but the admin's.
 */
const ruleOf = (ctx: FhirContext, definition: ResourceDefinition, mode: AccessMode) => accessRule(ctx.db, ctx.caller, definition.type, mode, {
  compartment: definition.patientColumn !== undefined, unattached: ctx.caller.role === 'admin', pending: ctx.pendingReferences,
});

/**
 * The same rule as SQL on one domain row `d` (its key and patient column): what a read by id asks of its row in its
 * SELECT, as the repository's read does (repository/access-rule.ts searchAccessSql). Undefined when the caller reads
 * every row of the type. A row it does not pass goes to assertRowAccess, which decides and audits the refusal.
 */
export function domainRowAccessSql(ctx: FhirContext, definition: ResourceDefinition, domain: DomainTable): string | undefined {
  if (!domain.patient) return undefined;
  const patient = `d.\`${domain.patient}\``;
  return ruleOf(ctx, definition, 'read').whereSql({
    id: `d.\`${domain.key}\``, hasPatientWhere: (inCare) => inCare(patient), hasNoPatient: `${patient} IS NULL`,
  });
}

/**
 * Type checks plus, for a row in the Patient compartment, the care relationship (DESIGN.md "Identity and access").
 * A row outside the caller's care answers as a row that does not exist (404) when `id` names it; a new row
 * (create) for a patient outside the caller's care is refused 403, as for a patient that does not exist.
 * A patient this very transaction creates (urn:uuid) is in the care of whoever registers it, for that transaction;
 * an insurer's clinical read is the evidence of an open claim only.
 */
export async function assertRowAccess(
  ctx: FhirContext, definition: ResourceDefinition, patientId: string | null, mode: AccessMode, id?: string,
): Promise<void> {
  assertTypeAccess(ctx, definition, mode);
  const decision = await ruleOf(ctx, definition, mode).allows({ patients: patientId === null ? [] : [patientId], id });
  if (decision.allowed) return;
  const refusal = id !== undefined ? resourceNotFound(definition.type, id)
    : new Forbidden('not-your-patient', 'You may only write records of patients in your care.');
  throw new AccessRefused(refusal, auditOf(mode, definition.type, patientId, 'no care relationship with this patient'));
}

/** `Patient/123`, `https://node/fhir/Patient/123/_history/2` → `123` (the ids referencedId would map). */
const PATIENT_REFERENCE = /^(?:.*\/)?Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/\d+)?$/;

/** The patient ids an incoming body names at `path` (see ResourceDefinition.patientReference); nothing if malformed. */
function patientsNamedIn(body: unknown, path: string): string[] {
  let nodes: unknown[] = [body];
  for (const key of path.split('.')) {
    nodes = nodes.flatMap((node) => {
      const value = node && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
      return Array.isArray(value) ? value : value === undefined ? [] : [value];
    });
  }
  const ids = nodes.map((node) => (node as { reference?: unknown } | null)?.reference)
    .map((reference) => (typeof reference === 'string' ? PATIENT_REFERENCE.exec(reference)?.[1] : undefined));
  return [...new Set(ids.filter((id): id is string => id !== undefined))];
}

/**
 * Before an incoming resource is validated: the caller may write for every patient it names (the care
 * relationship of assertRowAccess). Validation costs far more than this check, so a caller who may not write
 * gets its 403 without costing one. Patients a transaction creates are left to the check after mapping, and a
 * body naming no patient to the mapping, which requires one.
 */
export async function assertNamedPatientAccess(ctx: FhirContext, definition: ResourceDefinition, body: unknown): Promise<void> {
  if (!definition.patientReference) return;
  for (const patientId of patientsNamedIn(body, definition.patientReference)) {
    if (!ctx.pendingReferences?.has(`Patient/${patientId}`)) await assertRowAccess(ctx, definition, patientId, 'write');
  }
}

/** The search constraint of the same rule, which keeps a caller inside their own patients' records. */
export function compartmentWhere(ctx: FhirContext, definition: ResourceDefinition): WhereOptions | undefined {
  return definition.patientColumn ? ruleOf(ctx, definition, 'read').whereOptions(definition.patientColumn) : undefined;
}

/** Writes the audit event of a refusal (outside any transaction). */
export async function auditRefusal(ctx: FhirContext, refusal: AccessRefused): Promise<void> {
  await recordAudit(ctx.db, ctx.caller, refusal.audit);
}
