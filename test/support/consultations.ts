import request from 'supertest';
import type { VideoSessionEventType, VideoSide } from '../../db/models/video-session.js';
import { recordSessionEvent } from '../../server/video/session-log.js';
import { bookedAppointment, newDoctor, newPatient } from './factories.js';
import type { TestNode } from './test-node.js';

/** Smallest files whose first bytes make them a PDF, a PNG; and an HTML page to pose as one. */
export const PDF_BYTES = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
export const PNG_BYTES = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32, 1)]);
export const HTML_BYTES = Buffer.from('<html><script>alert(1)</script></html>');

/** A patient, a doctor, a booked video follow-up between them (in 5 minutes unless `start`) and its visit (opened by the patient). */
export async function newVisit(hospital: TestNode, name = 'Visit', start?: Date) {
  const patient = await newPatient(hospital, `${name}Patient`);
  const doctor = await newDoctor(hospital, `${name}Doctor`);
  const appointment = await bookedAppointment(hospital, { patientId: patient.patientId, practitionerId: doctor.practitionerId, start });
  const res = await request(hospital.app).post(`/api/appointments/${appointment.id}/visit`).auth(patient.token, { type: 'bearer' }).expect(200);
  return { patient, doctor, appointment, visitId: res.body.id as string };
}

export const as = (token: string) => ({ type: 'bearer' as const, token });

/** Drives a visit to in-progress: patient arrives, doctor admits. */
export async function startVisit(hospital: TestNode, visit: Awaited<ReturnType<typeof newVisit>>) {
  await request(hospital.app).post(`/api/visits/${visit.visitId}/arrive`).auth(visit.patient.token, { type: 'bearer' }).expect(200);
  await request(hospital.app).post(`/api/visits/${visit.visitId}/admit`).auth(visit.doctor.token, { type: 'bearer' }).expect(200);
}

export async function adminToken(hospital: TestNode) {
  return hospital.tokenFor('admin@demo.test');
}

/**
 * Writes lines of a visit's video session log as signalling does: `line(side, event, afterMs)` at `t0 + afterMs`,
 * one connection per side.
 */
export function sessionLogWriter(hospital: TestNode, visit: { appointmentId: string; encounterId: string; patientUserId: string; doctorUserId: string }, t0: number) {
  return (side: VideoSide, event: VideoSessionEventType, afterMs: number) => recordSessionEvent(hospital.db, {
    appointmentId: visit.appointmentId, encounterId: visit.encounterId, side, event, at: new Date(t0 + afterMs),
    userId: side === 'patient' ? visit.patientUserId : visit.doctorUserId, connectionId: `${side}-1`,
  });
}
