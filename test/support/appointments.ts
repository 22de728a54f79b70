import crypto from 'node:crypto';
import request from 'supertest';
import { Op } from 'sequelize';
import type { Slot, VisitType } from '../../db/models/scheduling.js';
import { diagnoseHypertensionInPerson, newDoctor, recorded, uniqueEmail } from './factories.js';
import type { TestNode } from './test-node.js';

/**
 * Patients made straight in the database (no password hashing), for tests that need many of them at once.
 * They can only use their access token, not sign in.
 */
export async function quickPatients(hospital: TestNode, count: number, timeZone = 'UTC') {
  const { Patient, User } = hospital.db.models;
  const rows = Array.from({ length: count }, (_, i) => ({
    patientId: crypto.randomUUID(), userId: crypto.randomUUID(), email: uniqueEmail(`quick${i}`),
  }));
  await recorded(hospital, 'Patient', await Patient.bulkCreate(rows.map((r) => ({
    id: r.patientId, givenName: 'Quick', familyName: 'Patient', birthDate: null, gender: 'unknown' as const, phone: null, email: r.email, timeZone,
  }))));
  await User.bulkCreate(rows.map((r) => ({
    id: r.userId, email: r.email, passwordHash: 'not-a-password', role: 'patient' as const, displayName: 'Quick Patient',
    patientId: r.patientId, practitionerId: null, organizationId: null,
  })));
  return Promise.all(rows.map(async (r) => ({ ...r, token: await hospital.tokenFor(r.email) })));
}

export const quickPatient = async (hospital: TestNode, timeZone = 'UTC') => (await quickPatients(hospital, 1, timeZone))[0];

/** A patient with a confirmed hypertension diagnosis from a finished in-person visit: eligible for video follow-ups. */
export async function eligiblePatient(hospital: TestNode) {
  const patient = await quickPatient(hospital);
  const doctor = await hospital.db.models.Practitioner.findOne({ rejectOnEmpty: true });
  const condition = await diagnoseHypertensionInPerson(hospital, patient.patientId, doctor.id);
  return { ...patient, conditionId: condition.id };
}

/**
 * A new doctor with availability set through the API: every day 08:00–12:00 UTC, 30-minute slots,
 * both visit types, three days ahead.
 */
export async function doctorWithSlots(hospital: TestNode, overrides: Record<string, unknown> = {}) {
  const doctor = await newDoctor(hospital, `Sched${crypto.randomBytes(3).toString('hex')}`);
  const body = {
    timeZone: 'UTC', slotMinutes: 30, bufferMinutes: 0, horizonDays: 3,
    rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '12:00', visitTypes: ['video-follow-up', 'in-person'] })),
    exceptions: [],
    ...overrides,
  };
  await request(hospital.app).put(`/api/practitioners/${doctor.practitionerId}/availability`).auth(doctor.token, { type: 'bearer' }).send(body).expect(200);
  return doctor;
}

/**
 * The doctor's free slots that start after the cancellation cut-off (plus a margin for the test's own run
 * time), earliest first: a test may then cancel or reschedule what it books at any time of day. A test about
 * slots starting soon makes one with `slotAt`.
 */
export async function freeSlotsOf(hospital: TestNode, practitionerId: string): Promise<Slot[]> {
  const notBefore = new Date(Date.now() + (hospital.config.appointments.cancellationCutoffMinutes + 15) * 60_000);
  return hospital.db.models.Slot.findAll({ where: { practitionerId, status: 'free', start: { [Op.gt]: notBefore } }, order: [['start', 'ASC']] });
}

/** A free slot inserted directly (e.g. starting soon or already past), on the doctor's schedule. */
export async function slotAt(hospital: TestNode, practitionerId: string, start: Date, minutes = 30, visitTypes: VisitType[] = ['video-follow-up', 'in-person']) {
  const { Schedule, Slot: Slots } = hospital.db.models;
  const schedule = await Schedule.findOne({ where: { practitionerId }, rejectOnEmpty: true });
  return recorded(hospital, 'Slot', await Slots.create({
    id: crypto.randomUUID(), scheduleId: schedule.id, practitionerId, start, end: new Date(start.getTime() + minutes * 60_000),
    visitTypes: visitTypes.join(','), status: 'free',
  }));
}

export const book = (hospital: TestNode, token: string, slotId: string, visitType: VisitType = 'in-person') =>
  request(hospital.app).post('/api/appointments').auth(token, { type: 'bearer' }).send({ slotId, visitType });
