import crypto from 'node:crypto';
import { UniqueConstraintError } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Gender } from '../../db/models/people.js';
import type { Origin } from '../auth/caller.js';
import { hashPassword } from '../auth/passwords.js';
import * as records from '../fhir/repository/records.js';
import { Conflict } from '../http/errors.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

export interface PatientRegistration {
  email: string;
  password: string;
  givenName: string;
  familyName: string;
  birthDate?: string;
  gender?: Gender;
  phone?: string;
  timeZone?: string;
}

/** Creates the patient record and its account together: both or neither. */
export async function registerPatient(db: Database, input: PatientRegistration, origin: Origin) {
  const email = input.email.trim().toLowerCase();
  const passwordHash = await hashPassword(input.password);
  const patientId = newResourceId();
  const userId = crypto.randomUUID();
  try {
    await db.transaction(async (tx) => {
      const patient = await db.models.Patient.create({
        id: patientId, familyName: input.familyName, givenName: input.givenName, birthDate: input.birthDate ?? null,
        gender: input.gender ?? 'unknown', phone: input.phone ?? null, email, timeZone: input.timeZone ?? 'UTC',
      }, { transaction: tx });
      await db.models.User.create({
        id: userId, email, passwordHash, role: 'patient', displayName: `${input.givenName} ${input.familyName}`,
        patientId, practitionerId: null, organizationId: null,
      }, { transaction: tx });
      await records.created({ db, caller: origin, tx }, 'Patient', patient, { action: 'C', activity: 'register', userId });
    });
  } catch (error) {
    if (error instanceof UniqueConstraintError) {
      throw new Conflict('email-taken', 'An account with this email address already exists.', [{ expression: 'email', message: 'already registered' }]);
    }
    throw error;
  }
  return { userId, patientId };
}
