import http from 'node:http';
import { expect } from 'chai';
import request from 'supertest';
import { book, doctorWithSlots, eligiblePatient, freeSlotsOf, quickPatient, quickPatients, slotAt } from '../support/appointments.js';
import { adminToken } from '../support/consultations.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('booking an appointment', (hospital) => {
  it('when a patient books a free slot, then 201 returns it booked with offset times in their zone, the slot is busy and everything is recorded', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital(), 'Asia/Shanghai');
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const res = await book(hospital(), patient.token, slot.id).set('X-Request-Id', `book-${slot.id.slice(0, 8)}`).expect(201);
    expect(res.headers.location).to.equal(`/api/appointments/${res.body.id}`);
    expect(res.body).to.include({ status: 'booked', visitType: 'in-person', slotId: slot.id, patientId: patient.patientId, timeZone: 'Asia/Shanghai' });
    expect(res.body.start).to.match(/\+08:00$/);
    expect(new Date(res.body.start).getTime()).to.equal(slot.start.getTime());
    const { Slot, Appointment, ResourceVersion, AuditEvent, NotificationOutbox } = hospital().db.models;
    expect((await Slot.findByPk(slot.id, { rejectOnEmpty: true })).status).to.equal('busy');
    expect((await Appointment.findByPk(res.body.id, { rejectOnEmpty: true })).heldSlotId).to.equal(slot.id);
    expect(await ResourceVersion.count({ where: { resourceType: 'Slot', resourceId: slot.id, versionId: 2 } })).to.equal(1);
    expect(await ResourceVersion.count({ where: { resourceType: 'Appointment', resourceId: res.body.id } })).to.equal(1);
    expect(await AuditEvent.count({ where: { requestId: `book-${slot.id.slice(0, 8)}`, action: 'C', activity: 'book', resourceId: res.body.id } })).to.equal(1);
    const events = await NotificationOutbox.findAll({ where: { appointmentId: res.body.id } });
    expect(events.map((e) => e.kind).sort()).to.deep.equal(['appointment-booked', 'appointment-booked', 'appointment-reminder', 'appointment-reminder']);
  });

  it('when 100 patients book the same slot at once, then exactly one gets 201 and the other 99 get 409 slot-taken', async function () {
    this.timeout(120_000);
    const doctor = await doctorWithSlots(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const patients = await quickPatients(hospital(), 100);
    const server = http.createServer(hospital().app).listen(0);
    try {
      const results = await Promise.all(patients.map((p) => request(server).post('/api/appointments')
        .auth(p.token, { type: 'bearer' }).send({ slotId: slot.id, visitType: 'in-person' })));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).to.have.length(1);
      expect(statuses.filter((s) => s === 409)).to.have.length(99);
      expect(new Set(results.filter((r) => r.status === 409).map((r) => r.body.code))).to.deep.equal(new Set(['slot-taken']));
    } finally {
      server.close();
    }
    const booked = await hospital().db.models.Appointment.count({ where: { slotId: slot.id } });
    expect(booked).to.equal(1);
  });

  it('when the slot is in the past, busy, or does not offer the visit type, then a 4xx says which', async () => {
    const doctor = await doctorWithSlots(hospital(), {
      rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '12:00', visitTypes: ['in-person'] })),
    });
    const [first, second] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const patient = await eligiblePatient(hospital());
    const other = await quickPatient(hospital());
    const past = await slotAt(hospital(), doctor.practitionerId, new Date(Date.now() - 3_600_000 - 17_000));
    expect((await book(hospital(), patient.token, past.id).expect(422)).body.code).to.equal('slot-in-past');
    const wrongType = await book(hospital(), patient.token, first.id, 'video-follow-up').expect(422);
    expect(wrongType.body).to.include({ code: 'visit-type-not-offered' });
    expect(wrongType.body.offered).to.deep.equal(['in-person']);
    await book(hospital(), other.token, second.id).expect(201);
    expect((await book(hospital(), patient.token, second.id).expect(409)).body.code).to.equal('slot-taken');
    expect((await book(hospital(), patient.token, 'no-such-slot').expect(404)).body.code).to.equal('slot-not-found');
    expect(await hospital().db.models.Appointment.count({ where: { patientId: patient.patientId } })).to.equal(0);
  });

  it('when a patient books a slot overlapping one they already hold, then 409 overlapping-appointment', async () => {
    const doctorA = await doctorWithSlots(hospital());
    const doctorB = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const [slotA] = await freeSlotsOf(hospital(), doctorA.practitionerId);
    const slotB = (await freeSlotsOf(hospital(), doctorB.practitionerId)).find((s) => s.start.getTime() === slotA.start.getTime())!;
    await book(hospital(), patient.token, slotA.id).expect(201);
    const res = await book(hospital(), patient.token, slotB.id).expect(409);
    expect(res.body.code).to.equal('overlapping-appointment');
    expect((await hospital().db.models.Slot.findByPk(slotB.id, { rejectOnEmpty: true })).status).to.equal('free');
  });

  it('when one patient fires ten bookings of overlapping slots at once, then only one is booked', async () => {
    const patient = await quickPatient(hospital());
    const doctors = await Promise.all(Array.from({ length: 3 }, () => doctorWithSlots(hospital())));
    const slots = await Promise.all(doctors.map(async (d) => (await freeSlotsOf(hospital(), d.practitionerId))[0]));
    const results = await Promise.all([...slots, ...slots, ...slots].map((s) => book(hospital(), patient.token, s.id)));
    expect(results.filter((r) => r.status === 201)).to.have.length(1);
    expect(await hospital().db.models.Appointment.count({ where: { patientId: patient.patientId, status: 'booked' } })).to.equal(1);
  });

  it('when a patient and an admin on her behalf book two doctors for the same time at once, then one is booked and the other gets 409 overlapping-appointment, in each of five rounds', async () => {
    const [doctorA, doctorB] = [await doctorWithSlots(hospital()), await doctorWithSlots(hospital())];
    const admin = await adminToken(hospital());
    const slotsA = await freeSlotsOf(hospital(), doctorA.practitionerId);
    const slotsB = await freeSlotsOf(hospital(), doctorB.practitionerId);
    for (const slotA of slotsA.slice(0, 5)) {
      const patient = await quickPatient(hospital());
      const slotB = slotsB.find((s) => s.start.getTime() === slotA.start.getTime())!;
      const results = await Promise.all([
        book(hospital(), patient.token, slotA.id),
        request(hospital().app).post('/api/appointments').auth(admin, { type: 'bearer' }).send({ slotId: slotB.id, visitType: 'in-person', patientId: patient.patientId }),
      ]);
      expect(results.map((r) => r.status).sort()).to.deep.equal([201, 409]);
      expect(results.find((r) => r.status === 409)!.body.code).to.equal('overlapping-appointment');
      expect(await hospital().db.models.Appointment.count({ where: { patientId: patient.patientId, status: 'booked' } })).to.equal(1);
      const lost = results[0].status === 409 ? slotA : slotB;
      expect((await hospital().db.models.Slot.findByPk(lost.id, { rejectOnEmpty: true })).status).to.equal('free');
    }
  });

  it('when bob (no in-person diagnosis) books a video follow-up, then 422 tells him to book an in-person first visit and names what is missing', async () => {
    const doctor = await doctorWithSlots(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const res = await book(hospital(), await hospital().tokenFor('bob@demo.test'), slot.id, 'video-follow-up').expect(422);
    expect(res.body.code).to.equal('follow-up-not-eligible');
    expect(res.body.title).to.match(/book an in-person first visit/);
    expect(res.body.bookInstead).to.equal('in-person');
    expect(res.body.missing.map((line: string) => line.split(':')[0])).to.deep.equal(['local-record', 'partner-record', 'accepted-document']);
    expect((await hospital().db.models.Slot.findByPk(slot.id, { rejectOnEmpty: true })).status).to.equal('free');
  });

  it('when alice (hypertension diagnosed in person) books a video follow-up, then it is booked for that condition with a join link', async () => {
    const doctor = await doctorWithSlots(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const token = await hospital().tokenFor('alice@demo.test');
    const res = await book(hospital(), token, slot.id, 'video-follow-up').expect(201);
    const condition = await hospital().db.models.Condition.findOne({ where: { code: 'I10', patientId: res.body.patientId }, rejectOnEmpty: true });
    expect(res.body.reasonConditionId).to.equal(condition.id);
    expect(res.body.joinUrl).to.equal(`${hospital().config.publicBaseUrl}/visit/${res.body.id}`);
    const confirmation = await hospital().db.models.NotificationOutbox.findOne({
      where: { appointmentId: res.body.id, kind: 'appointment-booked', recipientPatientId: res.body.patientId }, rejectOnEmpty: true,
    });
    expect(JSON.parse(confirmation.payload).joinUrl).to.equal(res.body.joinUrl);
    // Leave alice free for other suites.
    await request(hospital().app).post(`/api/appointments/${res.body.id}/cancel`).auth(token, { type: 'bearer' }).send({}).expect(200);
  });

  it('when patient B reads or cancels patient A\'s appointment, then 404 and nothing changes, and the refusal is audited', async () => {
    const doctor = await doctorWithSlots(hospital());
    const [a, b] = await quickPatients(hospital(), 2);
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const booked = (await book(hospital(), a.token, slot.id).expect(201)).body;
    expect((await request(hospital().app).get(`/api/appointments/${booked.id}`).auth(b.token, { type: 'bearer' }).expect(404)).body.code).to.equal('appointment-not-found');
    await request(hospital().app).post(`/api/appointments/${booked.id}/cancel`).auth(b.token, { type: 'bearer' }).send({}).expect(404);
    const list = await request(hospital().app).get('/api/appointments').auth(b.token, { type: 'bearer' }).expect(200);
    expect(list.body.appointments).to.deep.equal([]);
    expect((await hospital().db.models.Appointment.findByPk(booked.id, { rejectOnEmpty: true })).status).to.equal('booked');
    expect(await hospital().db.models.AuditEvent.count({ where: { resourceId: booked.id, activity: 'refused', actorUserId: b.userId } })).to.equal(2);
    await request(hospital().app).get(`/api/appointments/${booked.id}`).auth(a.token, { type: 'bearer' }).expect(200);
  });

  it('when a patient searches by doctor, date range and visit type, then only matching free slots come back, with offsets', async () => {
    const video = await doctorWithSlots(hospital(), { timeZone: 'America/New_York' });
    const inPersonOnly = await doctorWithSlots(hospital(), {
      rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '12:00', visitTypes: ['in-person'] })),
    });
    const patient = await quickPatient(hospital());
    const all = await freeSlotsOf(hospital(), video.practitionerId);
    const from = all[2].start;
    const to = all[5].start;
    const search = (query: Record<string, string>) => request(hospital().app).get('/api/slots').query(query).auth(patient.token, { type: 'bearer' }).expect(200);
    const byDoctor = await search({ practitioner: video.practitionerId, from: from.toISOString(), to: to.toISOString(), tz: 'America/New_York' });
    expect(byDoctor.body.slots.map((s: { id: string }) => s.id)).to.deep.equal(all.slice(2, 5).map((s) => s.id));
    expect(byDoctor.body.slots[0].start).to.match(/-0[45]:00$/);
    const videoAtOther = await search({ practitioner: inPersonOnly.practitionerId, visitType: 'video-follow-up' });
    expect(videoAtOther.body.slots).to.deep.equal([]);
    const inPerson = await search({ practitioner: inPersonOnly.practitionerId, visitType: 'in-person' });
    expect(inPerson.body.slots.length).to.be.greaterThan(0);
    await book(hospital(), patient.token, all[2].id).expect(201);
    const after = await search({ practitioner: video.practitionerId, from: from.toISOString(), to: to.toISOString() });
    expect(after.body.slots.map((s: { id: string }) => s.id)).to.deep.equal(all.slice(3, 5).map((s) => s.id));
    const bySpecialty = await search({ specialty: 'Internal medicine', visitType: 'video-follow-up' });
    expect(bySpecialty.body.slots.every((s: { specialty: string }) => s.specialty === 'Internal medicine')).to.equal(true);
    expect(bySpecialty.body.slots.length).to.be.greaterThan(0);
  });

  it('when the demo hospital is seeded, then dr.chen offers two weeks of weekday slots in Asia/Shanghai, video follow-ups in the mornings', async () => {
    const chen = await hospital().db.models.User.findOne({ where: { email: 'dr.chen@demo.test' }, rejectOnEmpty: true });
    const bob = await hospital().tokenFor('bob@demo.test');
    const res = await request(hospital().app).get('/api/slots').query({ practitioner: chen.practitionerId!, limit: '500', tz: 'Asia/Shanghai' })
      .auth(bob, { type: 'bearer' }).expect(200);
    const days = new Set(res.body.slots.map((s: { start: string }) => s.start.slice(0, 10)));
    expect(days.size).to.be.within(8, 11);
    for (const slot of res.body.slots as Array<{ start: string; visitTypes: string[] }>) {
      expect(slot.start).to.match(/\+08:00$/);
      const hour = Number(slot.start.slice(11, 13));
      expect(slot.visitTypes.includes('video-follow-up')).to.equal(hour < 12);
    }
  });
});
