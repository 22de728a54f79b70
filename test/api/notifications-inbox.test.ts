import { expect } from 'chai';
import request from 'supertest';
import { book, doctorWithSlots, quickPatient, slotAt } from '../support/appointments.js';
import { PHARMACIST } from '../support/prescriptions.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

const DAY = 86_400_000;

type Listed = { timeZone: string; unread: number; notifications: Array<Record<string, unknown> & { id: string; kind: string }> };

/** A patient in Shanghai books an in-person visit five days ahead (so no reminder is due yet) with a new doctor. */
async function bookedVisit(hospital: TestNode) {
  const doctor = await doctorWithSlots(hospital);
  const patient = await quickPatient(hospital, 'Asia/Shanghai');
  const start = new Date(Math.ceil((Date.now() + 5 * DAY) / 3_600_000) * 3_600_000);
  const slot = await slotAt(hospital, doctor.practitionerId, start);
  const appointment = (await book(hospital, patient.token, slot.id, 'in-person').expect(201)).body as { id: string };
  return { doctor, patient, appointment, start };
}

describeOnEachDatabase('the in-app notification list (GET /api/notifications, POST /api/notifications/{id}/read)', (hospital) => {
  const listOf = async (token: string) =>
    (await request(hospital().app).get('/api/notifications').auth(token, { type: 'bearer' }).expect(200)).body as Listed;
  const markRead = (token: string, id: string) =>
    request(hospital().app).post(`/api/notifications/${id}/read`).auth(token, { type: 'bearer' }).send({});

  it('when a patient books, then her list shows the confirmation unread, in her time zone, and the doctor\'s shows his copy', async () => {
    const { doctor, patient, appointment, start } = await bookedVisit(hospital());
    const mine = await listOf(patient.token);
    expect(mine.timeZone).to.equal('Asia/Shanghai');
    expect(mine.unread).to.equal(1);
    expect(mine.notifications, 'the reminders are not due yet').to.have.length(1);
    expect(mine.notifications[0]).to.include({
      kind: 'appointment-booked', read: false, readAt: null, appointmentId: appointment.id, visitType: 'in-person',
      start: start.toISOString(),
    });
    const his = await listOf(doctor.token);
    expect(his.notifications.map((n) => [n.kind, n.appointmentId])).to.deep.equal([['appointment-booked', appointment.id]]);
    expect(his.notifications[0].id).not.to.equal(mine.notifications[0].id);
    const audit = await hospital().db.models.AuditEvent.findOne({ where: { activity: 'notifications-read', actorUserId: patient.userId } });
    expect(audit?.patientId).to.equal(patient.patientId);
  });

  it('when the visit is then cancelled, then the list shows the cancellation first and never the void reminders', async () => {
    const { patient, appointment } = await bookedVisit(hospital());
    await request(hospital().app).post(`/api/appointments/${appointment.id}/cancel`).auth(patient.token, { type: 'bearer' })
      .send({}).expect(200);
    const { notifications, unread } = await listOf(patient.token);
    expect(notifications.map((n) => n.kind)).to.deep.equal(['appointment-cancelled', 'appointment-booked']);
    expect(unread).to.equal(2);
  });

  it('when she marks it read, then it is listed read, the unread count drops, and marking again keeps the first time', async () => {
    const { patient } = await bookedVisit(hospital());
    const [confirmation] = (await listOf(patient.token)).notifications;
    const first = (await markRead(patient.token, confirmation.id).expect(200)).body as { read: boolean; readAt: string };
    expect(first.read).to.equal(true);
    const after = await listOf(patient.token);
    expect(after.unread).to.equal(0);
    expect(after.notifications[0]).to.include({ id: confirmation.id, read: true, readAt: first.readAt });
    const again = (await markRead(patient.token, confirmation.id).expect(200)).body as { readAt: string };
    expect(again.readAt).to.equal(first.readAt);
    const marks = await hospital().db.models.AuditEvent.count({
      where: { activity: 'notification-marked-read', resourceId: confirmation.id },
    });
    expect(marks, 'one audit event: the change').to.equal(1);
  });

  it('when another patient, or a doctor it is not addressed to, marks it read, then 404 and it stays unread', async () => {
    const { patient, doctor } = await bookedVisit(hospital());
    const other = await bookedVisit(hospital());
    const [hers] = (await listOf(patient.token)).notifications;
    expect((await markRead(other.patient.token, hers.id).expect(404)).body.code).to.equal('notification-not-found');
    // Her doctor received his own copy of the booking; hers is not addressed to him.
    await markRead(doctor.token, hers.id).expect(404);
    await markRead(patient.token, 'x0000').expect(404);
    expect((await listOf(patient.token)).unread).to.equal(1);
    expect((await listOf(other.patient.token)).notifications.map((n) => n.id)).not.to.include(hers.id);
  });

  it('when a pharmacist or an unauthenticated caller asks for a list, then 403 and 401', async () => {
    const pharmacist = await hospital().tokenFor(PHARMACIST);
    const res = await request(hospital().app).get('/api/notifications').auth(pharmacist, { type: 'bearer' }).expect(403);
    expect(res.body.code).to.equal('wrong-role');
    await request(hospital().app).get('/api/notifications').expect(401);
  });
});
