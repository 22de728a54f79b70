import { expect } from 'chai';
import request from 'supertest';
import type { AvailabilityInput, AvailabilityPreview } from '../../server/appointments/contract.js';
import { book, doctorWithSlots, freeSlotsOf, quickPatient } from '../support/appointments.js';
import { adminToken } from '../support/consultations.js';
import { describeOnEachDatabase } from '../support/test-node.js';
import { addDays, localDate } from '../../server/appointments/time-zone.js';

/** Every day 08:00–12:00 UTC, 30-minute slots, both visit types, three days ahead (as doctorWithSlots sets it). */
const MORNINGS: AvailabilityInput = {
  timeZone: 'UTC', slotMinutes: 30, bufferMinutes: 0, horizonDays: 3, exceptions: [],
  rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '12:00', visitTypes: ['video-follow-up', 'in-person'] })),
};

describeOnEachDatabase('a doctor\'s availability page: who may change it, and its preview', (hospital) => {
  const availability = (practitionerId: string) => `/api/practitioners/${practitionerId}/availability`;
  const put = (practitionerId: string, token: string, body: object) =>
    request(hospital().app).put(availability(practitionerId)).auth(token, { type: 'bearer' }).send(body);
  const preview = (practitionerId: string, token: string, body: object) =>
    request(hospital().app).post(`${availability(practitionerId)}/preview`).auth(token, { type: 'bearer' }).send(body);

  it('when an admin sets a doctor\'s availability, then it is saved and audited; a doctor may not set another\'s, nor a patient anyone\'s', async () => {
    const doctor = await doctorWithSlots(hospital());
    const other = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const evenings = { ...MORNINGS, timeZone: 'Asia/Shanghai', rules: [{ weekday: 2, start: '18:00', end: '20:00', visitTypes: ['in-person'] }] };
    const saved = await put(doctor.practitionerId, await adminToken(hospital()), evenings).expect(200);
    const read = await request(hospital().app).get(availability(doctor.practitionerId)).auth(doctor.token, { type: 'bearer' }).expect(200);
    expect(read.body).to.include({ timeZone: 'Asia/Shanghai', scheduleId: saved.body.scheduleId });
    expect(read.body.rules).to.deep.equal(evenings.rules);
    const audit = await hospital().db.models.AuditEvent.findAll({ where: { resourceId: saved.body.scheduleId, action: 'U' } });
    expect(audit.map((a) => a.activity)).to.include('set-availability');

    expect((await put(other.practitionerId, doctor.token, MORNINGS).expect(403)).body.code).to.equal('not-your-schedule');
    expect((await put(doctor.practitionerId, patient.token, MORNINGS).expect(403)).body.code).to.equal('wrong-role');
    expect((await preview(other.practitionerId, doctor.token, MORNINGS).expect(403)).body.code).to.equal('not-your-schedule');
    expect((await preview(doctor.practitionerId, patient.token, MORNINGS).expect(403)).body.code).to.equal('wrong-role');
    // The refused change left the other doctor's openings as they were.
    const untouched = await request(hospital().app).get(availability(other.practitionerId)).auth(other.token, { type: 'bearer' }).expect(200);
    expect(untouched.body.rules).to.deep.equal(MORNINGS.rules);
  });

  it('when a doctor previews new hours, then the slots they would offer come back in the schedule\'s zone and nothing is saved', async () => {
    const doctor = await doctorWithSlots(hospital());
    const before = (await freeSlotsOf(hospital(), doctor.practitionerId)).map((s) => s.id);
    const body = { ...MORNINGS, timeZone: 'Asia/Shanghai', slotMinutes: 45, bufferMinutes: 15, horizonDays: 30,
      rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '14:00', end: '17:00', visitTypes: ['video-follow-up'] })) };
    const answer: AvailabilityPreview = (await preview(doctor.practitionerId, doctor.token, body).expect(200)).body;
    expect(answer).to.include({ timeZone: 'Asia/Shanghai', days: 14 });
    expect(answer.slots.length).to.be.within(13 * 3, 14 * 3);
    for (const slot of answer.slots) {
      expect(slot.start).to.match(/T(14:00|15:00|16:00):00(\.000)?\+08:00$/);
      expect(new Date(slot.end).getTime() - new Date(slot.start).getTime()).to.equal(45 * 60_000);
      expect(slot.visitTypes).to.deep.equal(['video-follow-up']);
    }
    expect((await freeSlotsOf(hospital(), doctor.practitionerId)).map((s) => s.id)).to.deep.equal(before);
  });

  it('when new hours would leave a booked visit outside them, then the preview names it, and saving keeps it booked', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const slot = (await freeSlotsOf(hospital(), doctor.practitionerId)).find((s) => s.start.toISOString().slice(11, 16) === '11:00')!;
    const booked = (await book(hospital(), patient.token, slot.id).expect(201)).body;
    const shorter = { ...MORNINGS, rules: MORNINGS.rules.map((r) => ({ ...r, end: '10:00' })) };
    const answer: AvailabilityPreview = (await preview(doctor.practitionerId, doctor.token, shorter).expect(200)).body;
    expect(answer.outsideHours).to.deep.equal([{ appointmentId: booked.id, start: booked.start, end: booked.end, visitType: 'in-person' }]);
    // The same hours with a day off on the visit's date leave it outside too; the unchanged hours do not.
    expect((await preview(doctor.practitionerId, doctor.token, MORNINGS).expect(200)).body.outsideHours).to.deep.equal([]);
    const dayOff = { ...MORNINGS, exceptions: [{ date: booked.start.slice(0, 10), reason: 'conference' }] };
    expect((await preview(doctor.practitionerId, doctor.token, dayOff).expect(200)).body.outsideHours.map((v: { appointmentId: string }) => v.appointmentId))
      .to.deep.equal([booked.id]);

    const saved = await put(doctor.practitionerId, doctor.token, shorter).expect(200);
    expect(saved.body.slots.booked).to.equal(1);
    const { Slot, Appointment } = hospital().db.models;
    expect((await Slot.findByPk(slot.id, { rejectOnEmpty: true })).status).to.equal('busy');
    expect((await Appointment.findByPk(booked.id, { rejectOnEmpty: true })).status).to.equal('booked');
  });

  it('when a doctor adds extra hours on a date, then that date alone gets their slots, on a day off too, and they read back as set', async () => {
    const doctor = await doctorWithSlots(hospital());
    const inTwoDays = addDays(localDate('UTC', new Date()), 2);
    const tomorrow = addDays(localDate('UTC', new Date()), 1);
    const body = { ...MORNINGS, exceptions: [{ date: inTwoDays, reason: 'conference' }], extraHours: [
      { date: tomorrow, start: '14:00', end: '15:00', visitTypes: ['video-follow-up'] },
      { date: inTwoDays, start: '16:00', end: '17:00', visitTypes: ['in-person'] },
    ] };
    await put(doctor.practitionerId, doctor.token, body).expect(200);
    const starts = (await freeSlotsOf(hospital(), doctor.practitionerId)).map((s) => `${s.start.toISOString().slice(0, 16)} ${s.visitTypes}`);
    expect(starts.filter((s) => s.startsWith(inTwoDays))).to.deep.equal([`${inTwoDays}T16:00 in-person`, `${inTwoDays}T16:30 in-person`]);
    expect(starts.filter((s) => s.startsWith(tomorrow))).to.include.members([`${tomorrow}T08:00 video-follow-up,in-person`,
      `${tomorrow}T14:00 video-follow-up`, `${tomorrow}T14:30 video-follow-up`]).and.to.have.length(10);
    const read = await request(hospital().app).get(availability(doctor.practitionerId)).auth(doctor.token, { type: 'bearer' }).expect(200);
    expect(read.body.extraHours).to.deep.equal(body.extraHours);
    expect(read.body.rules).to.deep.equal(MORNINGS.rules);
    const previewed: AvailabilityPreview = (await preview(doctor.practitionerId, doctor.token, body).expect(200)).body;
    expect(previewed.slots.filter((s) => s.start.startsWith(inTwoDays)).map((s) => s.start.slice(11, 16))).to.deep.equal(['16:00', '16:30']);

    // Extra hours that overlap the weekly ones of their date are refused; on a day off they do not.
    const clash = { ...MORNINGS, extraHours: [{ date: tomorrow, start: '11:00', end: '13:00', visitTypes: ['in-person'] }] };
    expect((await put(doctor.practitionerId, doctor.token, clash).expect(400)).body.code).to.equal('overlapping-openings');
    await put(doctor.practitionerId, doctor.token, { ...clash, exceptions: [{ date: tomorrow }] }).expect(200);
  });

  it('when the hours are wrong, then 400 with a stable code and the field, for the preview and the save alike, and nothing changes', async () => {
    const doctor = await doctorWithSlots(hospital());
    const before = (await freeSlotsOf(hospital(), doctor.practitionerId)).map((s) => s.id);
    const backwards = { ...MORNINGS, rules: [{ weekday: 3, start: '12:00', end: '09:00', visitTypes: ['in-person'] }] };
    for (const send of [preview, put]) {
      const refused = await send(doctor.practitionerId, doctor.token, backwards).expect(400);
      expect(refused.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(refused.body.code).to.equal('opening-ends-before-start');
      expect(refused.body.errors).to.deep.equal([{ expression: 'body.rules.0.end', message: 'must be after start' }]);
      const twice = { ...MORNINGS, exceptions: [{ date: '2030-01-01' }, { date: '2030-01-01' }] };
      expect((await send(doctor.practitionerId, doctor.token, twice).expect(400)).body.code).to.equal('duplicate-exception');
      const badTime = await send(doctor.practitionerId, doctor.token, { ...MORNINGS, rules: [{ weekday: 3, start: '8 am', end: '09:00', visitTypes: ['in-person'] }] }).expect(400);
      expect(badTime.body.code).to.equal('invalid-input');
      expect(badTime.body.errors.map((e: { expression: string }) => e.expression)).to.deep.equal(['body.rules.0.start']);
    }
    expect((await freeSlotsOf(hospital(), doctor.practitionerId)).map((s) => s.id)).to.deep.equal(before);
  });
});
