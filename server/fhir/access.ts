import { literal, Op, type WhereOptions } from 'sequelize';
import { recordAudit, type AuditEntry } from '../audit/audit-log.js';
import { hasCareRelationship } from '../auth/patient-access.js';
import { scopeAllows, type AccessMode } from '../auth/scopes.js';
import { Forbidden } from '../http/errors.js';
import type { FhirContext, ResourceDefinition } from './registry.js';

/**
 * A refusal whose audit event must be written after the transaction it happened in has rolled back
 * (on SQLite an audit write inside would wait for the very lock the transaction holds). runInteraction in
 * http.ts writes it.
 */
export class AccessRefused extends Forbidden {
  constructor(code: string, message: string, readonly audit: AuditEntry) {
    super(code, message);
  }
}

function refuse(mode: AccessMode, type: string, patientId: string | null, code: string, message: string, why: string): never {
  throw new AccessRefused(code, message, {
    action: mode === 'read' ? 'R' : 'U', activity: 'refused', outcome: '4', resourceType: type, patientId, detail: why,
  });
}

/** The role and scope checks that do not depend on a row: the same rules as assertPatientAccess. */
export function assertTypeAccess(ctx: FhirContext, definition: ResourceDefinition, mode: AccessMode): void {
  const roles = mode === 'read' ? definition.readRoles : definition.writeRoles ?? definition.readRoles;
  if (roles && !roles.includes(ctx.caller.role)) {
    refuse(mode, definition.type, null, 'wrong-role', `${definition.type} ${mode} is only for ${roles.join(' or ')} accounts.`,
      `role ${ctx.caller.role} may not ${mode} ${definition.type}`);
  }
  if (!scopeAllows(ctx.caller.scopes, definition.type, mode)) {
    refuse(mode, definition.type, null, 'insufficient-scope',
      `The access token's scope does not allow ${mode} access to ${definition.type}.`, `token scope does not allow ${definition.type}.${mode}`);
  }
}

/** Type checks plus, for a row in the Patient compartment, the care relationship (DESIGN.md "Identity and access"). */
export async function assertRowAccess(
  ctx: FhirContext, definition: ResourceDefinition, patientId: string | null, mode: AccessMode,
): Promise<void> {
  assertTypeAccess(ctx, definition, mode);
  if (!definition.patientColumn) return;
  // A row about no patient (a login's audit event) is outside every compartment but the admin's, as in search.
  const allowed = patientId === null ? ctx.caller.role === 'admin' : await hasCareRelationship(ctx.db, ctx.caller, patientId);
  if (!allowed) {
    refuse(mode, definition.type, patientId, 'not-your-patient', 'You may only access the records of patients in your care.',
      'no care relationship with this patient');
  }
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

/**
 * The search constraint that keeps a caller inside their own patients' records: a patient sees only their
 * own, a doctor the patients they have a visit or appointment with, an insurer its members, an admin all.
 */
export function compartmentWhere(ctx: FhirContext, definition: ResourceDefinition): WhereOptions | undefined {
  const column = definition.patientColumn;
  if (!column) return undefined;
  const { caller } = ctx;
  const escape = (value: string | null) => ctx.db.sequelize.escape(value ?? '');
  switch (caller.role) {
    case 'admin':
      return undefined;
    case 'patient':
      return { [column]: caller.patientId ?? '' };
    case 'doctor':
      return { [column]: { [Op.in]: literal(`(SELECT patientId FROM encounters WHERE practitionerId = ${escape(caller.practitionerId)}`
        + ` UNION SELECT patientId FROM appointments WHERE practitionerId = ${escape(caller.practitionerId)})`) } };
    case 'insurer':
      return { [column]: { [Op.in]: literal(`(SELECT patientId FROM coverages WHERE payorId = ${escape(caller.organizationId)})`) } };
    case 'system':
      // A partner node: the patients with an active consent to it, while its registration is active.
      return { [column]: { [Op.in]: literal(`(SELECT c.patientId FROM consents c JOIN partners p ON p.id = c.partnerId`
        + ` WHERE c.partnerId = ${escape(caller.organizationId)} AND c.status = 'active' AND p.active = 1)`) } };
    default:
      return { [column]: { [Op.in]: [] } };
  }
}

/** Writes the audit event of a refusal (outside any transaction). */
export async function auditRefusal(ctx: FhirContext, refusal: AccessRefused): Promise<void> {
  await recordAudit(ctx.db, ctx.caller, refusal.audit);
}
