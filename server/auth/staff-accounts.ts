import crypto from 'node:crypto';
import { UniqueConstraintError } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Role } from '../../db/models/access.js';
import { recordAudit } from '../audit/audit-log.js';
import * as records from '../fhir/repository/records.js';
import { Conflict, Invalid, Unauthorized } from '../http/errors.js';
import type { Caller } from './caller.js';
import { hashPassword } from './passwords.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

export type StaffRole = Exclude<Role, 'patient'>;

export interface StaffAccountRequest {
  email: string;
  password: string;
  role: StaffRole;
  givenName: string;
  familyName: string;
  /** Hospital or pharmacy for clinicians, payer for insurers; defaults to the caller's organization. */
  organizationId?: string;
  specialtyCode?: string;
  specialtyDisplay?: string;
}

/** Admins create staff accounts; doctors and pharmacists also get a Practitioner record. */
export async function createStaffAccount(db: Database, caller: Caller, input: StaffAccountRequest) {
  const organizationId = input.organizationId ?? caller.organizationId;
  const organization = organizationId ? await db.models.Organization.findByPk(organizationId) : null;
  if (!organization) throw new Invalid('unknown-organization', 'organizationId must name an existing organization.', [{ expression: 'organizationId', message: 'not found' }]);
  if (input.role === 'insurer' && organization.kind !== 'payer') {
    throw new Invalid('not-a-payer', 'An insurer account must belong to a payer organization.', [{ expression: 'organizationId', message: 'not a payer' }]);
  }
  const clinician = input.role === 'doctor' || input.role === 'pharmacist';
  const email = input.email.trim().toLowerCase();
  const passwordHash = await hashPassword(input.password);
  const userId = crypto.randomUUID();
  const practitionerId = clinician ? newResourceId() : null;
  try {
    await db.transaction(async (tx) => {
      const act = { action: 'C' as const, activity: 'create-account', detail: `${input.role} account ${userId}` };
      if (practitionerId) {
        const practitioner = await db.models.Practitioner.create({
          id: practitionerId, givenName: input.givenName, familyName: input.familyName, organizationId: organization.id,
          specialtyCode: input.specialtyCode ?? null, specialtyDisplay: input.specialtyDisplay ?? null,
        }, { transaction: tx });
        await records.created({ db, caller, tx }, 'Practitioner', practitioner, act);
      }
      await db.models.User.create({
        id: userId, email, passwordHash, role: input.role, displayName: `${input.givenName} ${input.familyName}`,
        patientId: null, practitionerId, organizationId: organization.id,
      }, { transaction: tx });
      // An account with no Practitioner (an admin, an insurer) is audited as an account alone.
      if (!practitionerId) await recordAudit(db, caller, act, tx);
    });
  } catch (error) {
    if (error instanceof UniqueConstraintError) {
      throw new Conflict('email-taken', 'An account with this email address already exists.', [{ expression: 'email', message: 'already registered' }]);
    }
    throw error;
  }
  return { userId, practitionerId, organizationId: organization.id, role: input.role, email };
}

/** The signed-in user as `GET /api/me` shows them. */
export async function describeCaller(db: Database, caller: Caller) {
  const user = await db.models.User.findByPk(caller.userId);
  if (!user || !user.active) throw new Unauthorized('unknown-user', 'The account behind this token no longer exists or was deactivated.');
  return {
    id: user.id, email: user.email, role: user.role, displayName: user.displayName,
    patientId: user.patientId, practitionerId: user.practitionerId, organizationId: user.organizationId,
    scopes: caller.scopes,
  };
}

/** The display names ("Wei Chen") of these practitioners, read at once: for lists that name each item's doctor. */
export async function doctorNames(db: Database, practitionerIds: (string | null)[]): Promise<Map<string, string>> {
  const ids = [...new Set(practitionerIds.filter((id): id is string => id !== null))];
  const doctors = ids.length ? await db.models.Practitioner.findAll({ where: { id: ids }, attributes: ['id', 'givenName', 'familyName'] }) : [];
  return new Map(doctors.map((d) => [d.id, `${d.givenName} ${d.familyName}`]));
}
