import http from 'node:http';
import { expect } from 'chai';
import request from 'supertest';
import type { Caller } from '../../server/auth/caller.js';
import { setAvailability } from '../../server/appointments/set-availability.js';
import { book, doctorWithSlots, freeSlotsOf, quickPatient, quickPatients, slotAt } from '../support/appointments.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('after booking: cancel, reschedule, attendance', (hospital) => {
  const post = (path: string, token: string, body: object = {}) => request(hospital().app).post(path).auth(token, { type: 'bearer' }).send(body);

  it('when a patient cancels before the cut-off, then the appointment is cancelled, the slot is free again and notices are queued', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), patient.token, slot.id).expect(201)).body;
    const res = await post(`/api/appointments/${booked.id}/cancel`, patient.token, { reason: 'feeling better' }).expect(200);
    expect(res.body).to.include({ status: 'cancelled', cancellationReason: 'feeling better' });
    const { Slot, Appointment, NotificationOutbox } = hospital().db.models;
    expect((await Slot.findByPk(slot.id, { rejectOnEmpty: true })).status).to.equal('free');
    expect((await Appointment.findByPk(booked.id, { rejectOnEmpty: true })).heldSlotId).to.equal(null);
    const events = await NotificationOutbox.findAll({ where: { appointmentId: booked.id } });
    expect(events.filter((e) => e.kind === 'appointment-cancelled')).to.have.length(2);
    expect(events.filter((e) => e.kind === 'appointment-reminder').map((e) => e.status)).to.deep.equal(['void', 'void']);
    // The freed slot can be booked by someone else.
    await book(hospital(), (await quickPatient(hospital())).token, slot.id).expect(201);
    expect((await post(`/api/appointments/${booked.id}/cancel`, patient.token).expect(409)).body.code).to.equal('appointment-not-active');
  });

  it('when a patient cancels after the cut-off, then 422 cancellation-cutoff-passed; the doctor can still cancel, but only with a reason', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const soon = await slotAt(hospital(), doctor.practitionerId, new Date(Date.now() + 30 * 60_000 + 7_000));
    const booked = (await book(hospital(), patient.token, soon.id).expect(201)).body;
    const late = await post(`/api/appointments/${booked.id}/cancel`, patient.token).expect(422);
    expect(late.body).to.include({ code: 'cancellation-cutoff-passed', cutoffMinutes: hospital().config.appointments.cancellationCutoffMinutes });
    expect((await post(`/api/appointments/${booked.id}/cancel`, doctor.token).expect(400)).body.code).to.equal('cancellation-reason-required');
    const byDoctor = await post(`/api/appointments/${booked.id}/cancel`, doctor.token, { reason: 'doctor unwell' }).expect(200);
    expect(byDoctor.body).to.include({ status: 'cancelled', cancellationReason: 'doctor unwell' });
  });

  it('when a patient reschedules to a free slot, then the same appointment moves, the old slot is freed and the new one is busy', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const [oldSlot, newSlot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), patient.token, oldSlot.id).expect(201)).body;
    const res = await post(`/api/appointments/${booked.id}/reschedule`, patient.token, { slotId: newSlot.id }).expect(200);
    expect(res.body).to.include({ id: booked.id, status: 'booked', slotId: newSlot.id, versionId: 2 });
    const { Slot } = hospital().db.models;
    expect((await Slot.findByPk(oldSlot.id, { rejectOnEmpty: true })).status).to.equal('free');
    expect((await Slot.findByPk(newSlot.id, { rejectOnEmpty: true })).status).to.equal('busy');
    const events = await hospital().db.models.NotificationOutbox.findAll({ where: { appointmentId: booked.id } });
    expect(events.filter((e) => e.kind === 'appointment-rescheduled')).to.have.length(2);
    expect(events.filter((e) => e.kind === 'appointment-reminder').map((e) => e.status).sort()).to.deep.equal(['pending', 'pending', 'void', 'void']);
  });

  it('when an admin books for a patient, then it needs the patientId and the patient must exist', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const admin = await hospital().tokenFor('admin@demo.test');
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const send = (body: object) => request(hospital().app).post('/api/appointments').auth(admin, { type: 'bearer' }).send({ slotId: slot.id, visitType: 'in-person', ...body });
    expect((await send({}).expect(400)).body.code).to.equal('patient-required');
    expect((await send({ patientId: 'nobody' }).expect(404)).body.code).to.equal('patient-not-found');
    expect((await send({ patientId: patient.patientId }).expect(201)).body.patientId).to.equal(patient.patientId);
    expect((await request(hospital().app).post('/api/appointments').auth(doctor.token, { type: 'bearer' }).send({ slotId: slot.id, visitType: 'in-person' }).expect(403)).body.code).to.equal('wrong-role');
  });

  it('when the new slot is already taken, then 409 and the old booking stays exactly as it was', async () => {
    const doctor = await doctorWithSlots(hospital());
    const [patient, rival] = await quickPatients(hospital(), 2);
    const [oldSlot, wanted] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), patient.token, oldSlot.id).expect(201)).body;
    await book(hospital(), rival.token, wanted.id).expect(201);
    const res = await post(`/api/appointments/${booked.id}/reschedule`, patient.token, { slotId: wanted.id }).expect(409);
    expect(res.body.code).to.equal('slot-taken');
    const kept = await hospital().db.models.Appointment.findByPk(booked.id, { rejectOnEmpty: true });
    expect(kept).to.include({ status: 'booked', slotId: oldSlot.id, heldSlotId: oldSlot.id, versionId: 1 });
    expect((await hospital().db.models.Slot.findByPk(oldSlot.id, { rejectOnEmpty: true })).status).to.equal('busy');
  });

  it('when two patients reschedule into the same slot at once, then one moves, the other gets 409 and keeps their booking', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patients = await quickPatients(hospital(), 10);
    const slots = await freeSlotsOf(hospital(), doctor.practitionerId);
    const target = slots[slots.length - 1];
    const bookings = [];
    for (const [i, p] of patients.entries()) bookings.push((await book(hospital(), p.token, slots[i].id).expect(201)).body);
    const server = http.createServer(hospital().app).listen(0);
    let results;
    try {
      results = await Promise.all(bookings.map((b, i) => request(server).post(`/api/appointments/${b.id}/reschedule`)
        .auth(patients[i].token, { type: 'bearer' }).send({ slotId: target.id })));
    } finally {
      server.close();
    }
    expect(results.filter((r) => r.status === 200)).to.have.length(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.code)).to.deep.equal(Array(9).fill('slot-taken'));
    const { Appointment } = hospital().db.models;
    expect(await Appointment.count({ where: { heldSlotId: target.id } })).to.equal(1);
    expect(await Appointment.count({ where: { id: bookings.map((b) => b.id), status: 'booked' } })).to.equal(10);
  });

  it('when the doctor marks a patient arrived, and another did not come, then the statuses follow; a no-show before the start is refused', async () => {
    const doctor = await doctorWithSlots(hospital());
    const [present, absent, future] = await quickPatients(hospital(), 3);
    const [later] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const started = await slotAt(hospital(), doctor.practitionerId, new Date(Date.now() + 2_000));
    const one = (await book(hospital(), present.token, (await slotAt(hospital(), doctor.practitionerId, new Date(Date.now() + 3 * 60_000 + 11_000))).id).expect(201)).body;
    const two = (await book(hospital(), absent.token, started.id).expect(201)).body;
    const three = (await book(hospital(), future.token, later.id).expect(201)).body;
    expect((await post(`/api/appointments/${one.id}/arrived`, doctor.token).expect(200)).body.status).to.equal('arrived');
    expect((await post(`/api/appointments/${one.id}/arrived`, doctor.token).expect(409)).body.code).to.equal('appointment-not-active');
    expect((await post(`/api/appointments/${one.id}/arrived`, present.token).expect(403)).body.code).to.equal('wrong-role');
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await post(`/api/appointments/${two.id}/no-show`, doctor.token).expect(200)).body.status).to.equal('noshow');
    expect((await post(`/api/appointments/${three.id}/no-show`, doctor.token).expect(409)).body.code).to.equal('appointment-not-started');
    const diary = await request(hospital().app).get('/api/appointments').query({ status: 'arrived,noshow' }).auth(doctor.token, { type: 'bearer' }).expect(200);
    expect(diary.body.appointments.map((a: { id: string }) => a.id).sort()).to.deep.equal([one.id, two.id].sort());
    const mine = await request(hospital().app).get('/api/appointments').auth(future.token, { type: 'bearer' }).expect(200);
    expect(mine.body.appointments.map((a: { id: string }) => a.id)).to.deep.equal([three.id]);
  });

  it('when availability changes, then free slots follow the new rules and booked ones are kept untouched', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const before = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), patient.token, before[1].id).expect(201)).body;
    const res = await request(hospital().app).put(`/api/practitioners/${doctor.practitionerId}/availability`).auth(doctor.token, { type: 'bearer' }).send({
      timeZone: 'UTC', slotMinutes: 45, bufferMinutes: 15, horizonDays: 3,
      rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '12:00', visitTypes: ['in-person'] })),
    }).expect(200);
    expect(res.body.slots.booked).to.equal(1);
    const { Slot, Appointment } = hospital().db.models;
    const kept = await Slot.findByPk(before[1].id, { rejectOnEmpty: true });
    expect(kept).to.include({ status: 'busy', visitTypes: 'video-follow-up,in-person' });
    expect((await Appointment.findByPk(booked.id, { rejectOnEmpty: true })).status).to.equal('booked');
    const after = await freeSlotsOf(hospital(), doctor.practitionerId);
    for (const slot of after) {
      expect(slot.end.getTime() - slot.start.getTime()).to.equal(45 * 60_000);
      expect(slot.start < kept.end && kept.start < slot.end, 'no free slot overlaps the booked one').to.equal(false);
    }
  });

  it('when the rules drop a slot that a cancelled appointment points to, then it is retired (busy-unavailable), and it comes back when the rules offer it again', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const slot = (await freeSlotsOf(hospital(), doctor.practitionerId)).find((s) => s.start.toISOString().slice(11, 16) === '08:00')!;
    const booked = (await book(hospital(), patient.token, slot.id).expect(201)).body;
    await post(`/api/appointments/${booked.id}/cancel`, patient.token).expect(200);
    const put = (end: string) => request(hospital().app).put(`/api/practitioners/${doctor.practitionerId}/availability`).auth(doctor.token, { type: 'bearer' }).send({
      timeZone: 'UTC', slotMinutes: 30, horizonDays: 3,
      rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end, visitTypes: ['video-follow-up', 'in-person'] })),
    }).expect(200);
    const { Slot } = hospital().db.models;
    expect(slot.start.toISOString().slice(11, 16)).to.equal('08:00');
    await request(hospital().app).put(`/api/practitioners/${doctor.practitionerId}/availability`).auth(doctor.token, { type: 'bearer' }).send({
      timeZone: 'UTC', slotMinutes: 30, horizonDays: 3,
      rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '12:00', visitTypes: ['in-person'] })),
    }).expect(200);
    expect((await Slot.findByPk(slot.id, { rejectOnEmpty: true })).status).to.equal('busy-unavailable');
    await put('12:00');
    expect((await Slot.findByPk(slot.id, { rejectOnEmpty: true })).status).to.equal('free');
  });

  it('when a doctor sets another doctor\'s availability, then 403; when openings overlap, then 400', async () => {
    const doctor = await doctorWithSlots(hospital());
    const other = await doctorWithSlots(hospital());
    const body = { timeZone: 'UTC', slotMinutes: 30, rules: [{ weekday: 1, start: '08:00', end: '10:00', visitTypes: ['in-person'] }] };
    await request(hospital().app).put(`/api/practitioners/${other.practitionerId}/availability`).auth(doctor.token, { type: 'bearer' }).send(body).expect(403);
    const clash = await request(hospital().app).put(`/api/practitioners/${doctor.practitionerId}/availability`).auth(doctor.token, { type: 'bearer' })
      .send({ ...body, rules: [...body.rules, { weekday: 1, start: '09:00', end: '11:00', visitTypes: ['in-person'] }] }).expect(400);
    expect(clash.body.code).to.equal('overlapping-openings');
  });

  it('when a schedule in America/New_York covers the spring-forward and fall-back days, then those days have 3 and 5 hours of slots', async () => {
    const doctor = await doctorWithSlots(hospital());
    const admin = await hospital().db.models.User.findOne({ where: { role: 'admin' }, rejectOnEmpty: true });
    const caller: Caller = { userId: admin.id, role: 'admin', patientId: null, practitionerId: null, organizationId: null, scopes: ['user/*.write'], ip: null, requestId: 'dst-test' };
    const rules = [{ weekday: 7, start: '00:00', end: '04:00', visitTypes: ['in-person' as const] }];
    const input = { timeZone: 'America/New_York', slotMinutes: 30, bufferMinutes: 0, horizonDays: 1, rules, exceptions: [] };
    const slotsFrom = async (from: string) => (await hospital().db.models.Slot.findAll({
      where: { practitionerId: doctor.practitionerId, status: 'free' }, order: [['start', 'ASC']],
    })).filter((s) => s.start >= new Date(from)).map((s) => s.start.toISOString());
    await setAvailability(hospital().db, caller, doctor.practitionerId, input, new Date('2027-03-14T05:00:00Z'));
    // 00:00 EST (05:00Z) to 04:00 EDT (08:00Z): three hours, six 30-minute slots.
    expect(await slotsFrom('2027-03-14T00:00:00Z')).to.deep.equal([
      '2027-03-14T05:00:00.000Z', '2027-03-14T05:30:00.000Z', '2027-03-14T06:00:00.000Z', '2027-03-14T06:30:00.000Z',
      '2027-03-14T07:00:00.000Z', '2027-03-14T07:30:00.000Z',
    ]);
    await setAvailability(hospital().db, caller, doctor.practitionerId, input, new Date('2027-11-07T04:00:00Z'));
    // 00:00 EDT (04:00Z) to 04:00 EST (09:00Z): five hours, ten slots, 01:00–02:00 local twice.
    const fall = await slotsFrom('2027-11-07T00:00:00Z');
    expect(fall).to.have.length(10);
    expect(fall[0]).to.equal('2027-11-07T04:00:00.000Z');
    expect(fall[9]).to.equal('2027-11-07T08:30:00.000Z');
  });
});
