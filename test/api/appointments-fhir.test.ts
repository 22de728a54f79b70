import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import type { Client } from 'fhir-kit-client';
import type { Slot } from '../../db/models/scheduling.js';
import { VISIT_TYPE_SYSTEM } from '../../fhir-mappings/visit-type.js';
import { doctorWithSlots, eligiblePatient, freeSlotsOf, quickPatient, quickPatients } from '../support/appointments.js';
import { failureOf, startFhirServer, type FhirTestServer } from '../support/fhir.js';
import { expectValidR4 } from '../support/fhir-validator.js';
import { describeOnEachDatabase } from '../support/test-node.js';

interface SearchBundle { entry?: { resource: { resourceType: string; id: string; status?: string; start?: string } }[] }
const matches = (bundle: SearchBundle) => (bundle.entry ?? []).map((e) => e.resource);

/** A FHIR Appointment that books the slot for the patient: status booked, the slot, its times and the visit type. */
const bookingOf = (slot: Slot, patientId: string, visitType: 'video-follow-up' | 'in-person' = 'in-person') => ({
  resourceType: 'Appointment',
  status: 'booked',
  start: slot.start.toISOString(),
  end: slot.end.toISOString(),
  serviceType: [{ coding: [{ system: VISIT_TYPE_SYSTEM, code: visitType }] }],
  slot: [{ reference: `Slot/${slot.id}` }],
  participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'accepted' }],
});

describeOnEachDatabase('appointments the FHIR way', (hospital) => {
  let fhir: FhirTestServer;
  before(async () => { fhir = await startFhirServer(hospital()); });
  after(async () => { await fhir.close(); });

  it('when a patient searches a schedule for free slots from a date, then the FHIR client gets only those, valid R4', async () => {
    const doctor = await doctorWithSlots(hospital());
    const patient = await quickPatient(hospital());
    const client: Client = fhir.client(patient.token);
    const schedules = await client.search({ resourceType: 'Schedule', searchParams: { actor: `Practitioner/${doctor.practitionerId}` } }) as SearchBundle;
    expectValidR4(schedules);
    const [schedule] = matches(schedules);
    const from = new Date(Date.now() + 86_400_000).toISOString();
    const bundle = await client.search({ resourceType: 'Slot', searchParams: { schedule: `Schedule/${schedule.id}`, status: 'free', start: `ge${from}`, _count: 100 } }) as SearchBundle;
    expectValidR4(bundle);
    const slots = matches(bundle);
    const expected = (await freeSlotsOf(hospital(), doctor.practitionerId)).filter((s) => s.start >= new Date(from));
    expect(slots.map((s) => s.id).sort()).to.deep.equal(expected.map((s) => s.id).sort());
    for (const slot of slots) expect(slot.status).to.equal('free');
  });

  it('when a patient POSTs a booked Appointment, then the slot is booked (201) and turns busy; the same slot again is 409', async () => {
    const doctor = await doctorWithSlots(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const [first, second] = await quickPatients(hospital(), 2);
    const created = await request(hospital().app).post('/fhir/Appointment').auth(first.token, { type: 'bearer' })
      .type('application/fhir+json').send(bookingOf(slot, first.patientId)).expect(201);
    expectValidR4(created.body);
    expect(created.body).to.include({ status: 'booked' });
    expect(created.body.slot).to.deep.equal([{ reference: `Slot/${slot.id}` }]);
    expect(created.headers.location).to.match(new RegExp(`/fhir/Appointment/${created.body.id}/_history/1$`));
    expect((await hospital().db.models.Slot.findByPk(slot.id, { rejectOnEmpty: true })).status).to.equal('busy');

    const [later] = (await freeSlotsOf(hospital(), doctor.practitionerId)).slice(1);
    const wrongTimes = await request(hospital().app).post('/fhir/Appointment').auth(second.token, { type: 'bearer' })
      .type('application/fhir+json').send({ ...bookingOf(later, second.patientId), start: slot.start.toISOString(), end: slot.end.toISOString() }).expect(422);
    expect(wrongTimes.body.issue[0].expression).to.deep.equal(['Appointment.start']);

    const taken = await request(hospital().app).post('/fhir/Appointment').auth(second.token, { type: 'bearer' })
      .type('application/fhir+json').send(bookingOf(slot, second.patientId)).expect(409);
    expect(taken.body.resourceType).to.equal('OperationOutcome');
    expect(taken.body.issue[0].details.coding[0].code).to.equal('slot-taken');
  });

  it('when an Appointment and its Slot have changed, then their earlier versions read back as valid R4', async () => {
    const doctor = await doctorWithSlots(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const [patient] = await quickPatients(hospital(), 1);
    const created = await request(hospital().app).post('/fhir/Appointment').auth(patient.token, { type: 'bearer' })
      .type('application/fhir+json').send(bookingOf(slot, patient.patientId)).expect(201);
    await request(hospital().app).post(`/api/appointments/${created.body.id}/cancel`).auth(patient.token, { type: 'bearer' }).send({}).expect(200);
    const first = await request(hospital().app).get(`/fhir/Appointment/${created.body.id}/_history/1`).auth(patient.token, { type: 'bearer' }).expect(200);
    expectValidR4(first.body);
    expect(first.body).to.include({ status: 'booked', start: slot.start.toISOString() });
    const history = await request(hospital().app).get(`/fhir/Appointment/${created.body.id}/_history`).auth(patient.token, { type: 'bearer' }).expect(200);
    expect(history.body.entry.map((e: { resource: { status: string } }) => e.resource.status)).to.deep.equal(['cancelled', 'booked']);
    const slotVersion = await request(hospital().app).get(`/fhir/Slot/${slot.id}/_history/1`).auth(patient.token, { type: 'bearer' }).expect(200);
    expect(slotVersion.body).to.include({ status: 'free', start: slot.start.toISOString() });
  });

  it('when 100 FHIR bookings race for one slot, then exactly one is created and the rest get 409', async () => {
    const doctor = await doctorWithSlots(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const patients = await quickPatients(hospital(), 100);
    const server = http.createServer(hospital().app).listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const statuses = await Promise.all(patients.map((p) => fetch(`${base}/fhir/Appointment`, {
        method: 'POST', headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify(bookingOf(slot, p.patientId)),
      }).then((res) => res.status)));
      expect(statuses.filter((s) => s === 201)).to.have.length(1);
      expect(statuses.filter((s) => s === 409)).to.have.length(99);
      expect(await hospital().db.models.Appointment.count({ where: { slotId: slot.id } })).to.equal(1);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('when a retried booking carries If-None-Exist, then the second request returns the first appointment', async () => {
    const doctor = await doctorWithSlots(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const patient = await quickPatient(hospital());
    const post = () => request(hospital().app).post('/fhir/Appointment').auth(patient.token, { type: 'bearer' })
      .set('If-None-Exist', `slot=Slot/${slot.id}&patient=Patient/${patient.patientId}&status=booked`)
      .type('application/fhir+json').send(bookingOf(slot, patient.patientId));
    const first = await post().expect(201);
    const retry = await post().expect(200);
    expect(retry.body.id).to.equal(first.body.id);
    expect(await hospital().db.models.Appointment.count({ where: { slotId: slot.id } })).to.equal(1);
  });

  it('when bob (no prior diagnosis) books a video follow-up through FHIR, then 422 tells him to book in person; an eligible patient succeeds', async () => {
    const doctor = await doctorWithSlots(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const bob = await hospital().db.models.User.findOne({ where: { email: 'bob@demo.test' }, rejectOnEmpty: true });
    const refused = await failureOf(fhir.client(await hospital().tokenFor('bob@demo.test'))
      .create({ resourceType: 'Appointment', body: bookingOf(slot, bob.patientId!, 'video-follow-up') as never }));
    expect(refused.status).to.equal(422);
    expect(JSON.stringify(refused.data)).to.match(/in-person first visit/);
    const eligible = await eligiblePatient(hospital());
    const booked = await fhir.client(eligible.token)
      .create({ resourceType: 'Appointment', body: bookingOf(slot, eligible.patientId, 'video-follow-up') as never }) as { reasonReference?: unknown[] };
    expect(booked.reasonReference).to.deep.equal([{ reference: `Condition/${eligible.conditionId}` }]);
  });

  it("when patients search appointments by patient, date and status, then each sees only their own; a patient cannot book for another", async () => {
    const doctor = await doctorWithSlots(hospital());
    const [slotA, slotB] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const [a, b] = await quickPatients(hospital(), 2);
    await fhir.client(a.token).create({ resourceType: 'Appointment', body: bookingOf(slotA, a.patientId) as never });
    const forOther = await failureOf(fhir.client(a.token).create({ resourceType: 'Appointment', body: bookingOf(slotB, b.patientId) as never }));
    expect(forOther.status).to.equal(403);
    await fhir.client(b.token).create({ resourceType: 'Appointment', body: bookingOf(slotB, b.patientId) as never });

    const day = slotA.start.toISOString().slice(0, 10);
    const own = await fhir.client(a.token).search({ resourceType: 'Appointment', searchParams: { patient: `Patient/${a.patientId}`, date: day, status: 'booked' } }) as SearchBundle;
    expectValidR4(own);
    expect(matches(own)).to.have.length(1);
    const everything = matches(await fhir.client(a.token).search({ resourceType: 'Appointment', searchParams: {} }) as SearchBundle);
    expect(everything.every((x) => x.id !== undefined)).to.equal(true);
    expect(everything).to.have.length(1);
    const probing = matches(await fhir.client(a.token).search({ resourceType: 'Appointment', searchParams: { patient: `Patient/${b.patientId}` } }) as SearchBundle);
    expect(probing).to.have.length(0);
    const doctorView = matches(await fhir.client(doctor.token).search({ resourceType: 'Appointment', searchParams: { practitioner: `Practitioner/${doctor.practitionerId}`, status: 'booked' } }) as SearchBundle);
    expect(doctorView).to.have.length(2);
  });
});
