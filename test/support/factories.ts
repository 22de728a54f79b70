import crypto from 'node:crypto';
import type { Model } from 'sequelize';
import type { Caller } from '../../server/auth/caller.js';
import { createStaffAccount } from '../../server/auth/staff-accounts.js';
import { registerPatient } from '../../server/patients/register-patient.js';
import * as records from '../../server/fhir/repository/records.js';
import type { TestNode } from './test-node.js';

const origin = { ip: '127.0.0.1', requestId: 'test-setup' };

export const uniqueEmail = (who: string) => `${who}.${crypto.randomBytes(5).toString('hex')}@example.test`;

/** The password of every account these factories register (patients, doctors, pharmacists). */
export const ACCOUNT_PASSWORD = 'correct horse battery';

/**
 * Rows a fixture made straight in the database, given their stored records as a use case would give them
 * (server/fhir/repository/records.ts): version 1 of each resource, its lookups, no audit (the set-up is no one's act).
 */
export async function recorded<T extends Model>(hospital: TestNode, type: string, rows: T | T[]): Promise<T> {
  const list = Array.isArray(rows) ? rows : [rows];
  await hospital.db.transaction((tx) => records.createdAll({ db: hospital.db, caller: origin, tx }, type, list));
  return list[0];
}

/** A newly registered patient with an access token. */
export async function newPatient(hospital: TestNode, givenName = 'Pat') {
  const email = uniqueEmail(givenName.toLowerCase());
  const { patientId, userId } = await registerPatient(hospital.db, {
    email, password: ACCOUNT_PASSWORD, givenName, familyName: 'Test',
  }, origin);
  return { email, patientId, userId, token: await hospital.tokenFor(email) };
}

async function adminCaller(hospital: TestNode): Promise<Caller> {
  const admin = await hospital.db.models.User.findOne({ where: { role: 'admin' }, rejectOnEmpty: true });
  return {
    ...origin, userId: admin.id, role: 'admin', patientId: null, practitionerId: null,
    organizationId: admin.organizationId, scopes: ['user/*.read', 'user/*.write'],
  };
}

/** A new doctor at the demo hospital with an access token. */
export async function newDoctor(hospital: TestNode, familyName = 'House') {
  const email = uniqueEmail(`dr.${familyName.toLowerCase()}`);
  const account = await createStaffAccount(hospital.db, await adminCaller(hospital), {
    email, password: ACCOUNT_PASSWORD, role: 'doctor', givenName: 'Greg', familyName,
  });
  return { ...account, practitionerId: account.practitionerId!, token: await hospital.tokenFor(email) };
}

/** A pharmacist of a new community pharmacy (its own Organization) on this node, with an access token. */
export async function newCommunityPharmacist(hospital: TestNode, name = 'Corner Pharmacy') {
  const pharmacy = await recorded(hospital, 'Organization', await hospital.db.models.Organization.create({ id: crypto.randomUUID(), name, kind: 'pharmacy', identifier: `pharmacy-${crypto.randomBytes(4).toString('hex')}` }));
  const email = uniqueEmail('pharmacist');
  const account = await createStaffAccount(hospital.db, await adminCaller(hospital), {
    email, password: ACCOUNT_PASSWORD, role: 'pharmacist', givenName: 'Paula', familyName: 'Counter', organizationId: pharmacy.id,
  });
  return { ...account, organizationId: pharmacy.id, token: await hospital.tokenFor(email) };
}

/** Records a finished in-person visit between doctor and patient: the care relationship. */
export async function recordInPersonVisit(hospital: TestNode, patientId: string, practitionerId: string) {
  return recorded(hospital, 'Encounter', await hospital.db.models.Encounter.create({
    id: crypto.randomUUID(), patientId, practitionerId, organizationId: null, encounterClass: 'AMB',
    status: 'finished', periodStart: new Date(Date.now() - 86_400_000), periodEnd: new Date(), source: null,
  }));
}

/** A finished in-person visit at which the doctor confirmed hypertension (I10): what makes a patient eligible for video follow-ups. */
export async function diagnoseHypertensionInPerson(hospital: TestNode, patientId: string, practitionerId: string) {
  const visit = await recordInPersonVisit(hospital, patientId, practitionerId);
  return recorded(hospital, 'Condition', await hospital.db.models.Condition.create({
    id: crypto.randomUUID(), patientId, encounterId: visit.id, recorderId: practitionerId,
    codeSystem: 'http://hl7.org/fhir/sid/icd-10', code: 'I10', display: 'Essential (primary) hypertension',
    clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: null, recordedAt: new Date(Date.now() - 86_400_000), source: null,
  }));
}

/**
 * A booked appointment straight in the database (a schedule, a busy slot and the appointment), for tests
 * that need a visit without going through booking.
 */
export async function bookedAppointment(hospital: TestNode, opts: {
  patientId: string; practitionerId: string; start?: Date; minutes?: number; visitType?: 'video-follow-up' | 'in-person';
}) {
  const { Schedule, Slot, Appointment } = hospital.db.models;
  const start = opts.start ?? new Date(Date.now() + 5 * 60_000);
  const end = new Date(start.getTime() + (opts.minutes ?? 20) * 60_000);
  const visitType = opts.visitType ?? 'video-follow-up';
  const schedule = await recorded(hospital, 'Schedule', await Schedule.create({
    id: crypto.randomUUID(), practitionerId: opts.practitionerId, timeZone: 'UTC', slotMinutes: opts.minutes ?? 20,
    bufferMinutes: 0, horizonDays: 14,
  }));
  const slot = await recorded(hospital, 'Slot', await Slot.create({
    id: crypto.randomUUID(), scheduleId: schedule.id, practitionerId: opts.practitionerId, start, end, visitTypes: visitType,
    status: 'busy',
  }));
  return recorded(hospital, 'Appointment', await Appointment.create({
    id: crypto.randomUUID(), slotId: slot.id, heldSlotId: slot.id, patientId: opts.patientId,
    practitionerId: opts.practitionerId, visitType, status: 'booked', start, end, reasonConditionId: null,
    cancellationReason: null, cancelledAt: null,
  }));
}
