import { expect } from 'chai';
import request from 'supertest';
import { book, doctorWithSlots, freeSlotsOf } from '../support/appointments.js';
import { newDoctor, newPatient, recordInPersonVisit } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

type Json = Record<string, unknown>;

/** The resource without what the server sets (id, meta.versionId, meta.lastUpdated). */
function withoutServerElements(resource: Json): Json {
  const rest: Json = { ...resource };
  delete rest.id;
  delete rest.meta;
  return rest;
}

/** The Patient of issue 12: two identifiers, an address, a contact, a second given name and a marital status. */
const issuePatient = (suffix: string) => ({
  resourceType: 'Patient',
  identifier: [
    { system: 'urn:oid:2.16.840.1.113883.2.4.6.3', value: `MRN-${suffix}` },
    { use: 'secondary', system: 'https://partner-b.example/patients', value: `B-${suffix}` },
  ],
  name: [{ use: 'official', family: 'Zhang', given: ['Mei', 'Lin'] }],
  telecom: [{ system: 'phone', value: '+86 10 5555 0101', use: 'mobile' }],
  gender: 'female',
  birthDate: '1958-03-02',
  address: [{ use: 'home', line: ['12 Chaoyang Road'], city: 'Beijing', postalCode: '100020', country: 'CN' }],
  maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M', display: 'Married' }] },
  contact: [{
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'N', display: 'Next-of-Kin' }] }],
    name: { family: 'Zhang', given: ['Wei'] },
    telecom: [{ system: 'phone', value: '+86 10 5555 0102' }],
  }],
  extension: [{ url: 'https://partner-b.example/fhir/StructureDefinition/preferred-pharmacy', valueString: 'Chaoyang branch' }],
});

/** The Observation of issue 12: interpretation, a note, and component codes with their own display. */
const issueObservation = (patientId: string) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: '2026-11-20T08:30:00.000Z',
  interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'H', display: 'High' }] }],
  note: [{ text: 'Measured after a 10 minute rest, left arm.' }],
  component: [
    { code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic (as the partner names it)' }] },
      valueQuantity: { value: 152, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
    { code: { coding: [{ system: 'http://loinc.org', code: '8462-4', display: 'Diastolic (as the partner names it)' }] },
      valueQuantity: { value: 94, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
  ],
});

/**
 * Issue 12: a domain type is stored whole. What a partner posts reads back element for element through read,
 * vread, search and history, and an /api change replaces only the elements it is about.
 */
describeOnEachDatabase('domain resources stored whole (issue 12)', (hospital) => {
  const fhirJson = 'application/fhir+json';

  it('when a partner posts the issue\'s Patient, then read, vread, search by identifier and history give back every element', async () => {
    const admin = await hospital().tokenFor('admin@demo.test');
    const sent = issuePatient(String(Date.now()));
    const created = await request(hospital().app).post('/fhir/Patient').auth(admin, { type: 'bearer' }).type(fhirJson).send(sent).expect(201);
    const id = created.body.id as string;
    expect(withoutServerElements(created.body)).to.deep.equal(sent);
    const read = await request(hospital().app).get(`/fhir/Patient/${id}`).auth(admin, { type: 'bearer' }).expect(200);
    expect(withoutServerElements(read.body)).to.deep.equal(sent);
    const vread = await request(hospital().app).get(`/fhir/Patient/${id}/_history/1`).auth(admin, { type: 'bearer' }).expect(200);
    expect(withoutServerElements(vread.body)).to.deep.equal(sent);
    const found = await request(hospital().app).get('/fhir/Patient').query({ identifier: `https://partner-b.example/patients|${sent.identifier[1].value}` })
      .auth(admin, { type: 'bearer' }).expect(200);
    expect(found.body.entry.map((e: { resource: Json }) => withoutServerElements(e.resource))).to.deep.equal([sent]);
    const history = await request(hospital().app).get(`/fhir/Patient/${id}/_history`).auth(admin, { type: 'bearer' }).expect(200);
    expect(history.body.entry.map((e: { resource: Json }) => withoutServerElements(e.resource))).to.deep.equal([sent]);
  });

  it('when a doctor posts the issue\'s Observation, then interpretation, note and the component displays read back as sent', async () => {
    const patient = await newPatient(hospital(), 'Lossless');
    const doctor = await newDoctor(hospital(), 'Keeping');
    await recordInPersonVisit(hospital(), patient.patientId, doctor.practitionerId);
    const sent = issueObservation(patient.patientId);
    const created = await request(hospital().app).post('/fhir/Observation').auth(doctor.token, { type: 'bearer' }).type(fhirJson).send(sent).expect(201);
    const id = created.body.id as string;
    for (const path of [`/fhir/Observation/${id}`, `/fhir/Observation/${id}/_history/1`]) {
      const answer = await request(hospital().app).get(path).auth(patient.token, { type: 'bearer' }).expect(200);
      expect(withoutServerElements(answer.body), path).to.deep.equal(sent);
    }
    const found = await request(hospital().app).get('/fhir/Observation').query({ code: 'http://loinc.org|85354-9', patient: patient.patientId })
      .auth(patient.token, { type: 'bearer' }).expect(200);
    expect(found.body.entry.map((e: { resource: Json }) => withoutServerElements(e.resource))).to.deep.equal([sent]);
    const history = await request(hospital().app).get(`/fhir/Observation/${id}/_history`).auth(patient.token, { type: 'bearer' }).expect(200);
    expect(history.body.entry.map((e: { resource: Json }) => withoutServerElements(e.resource))).to.deep.equal([sent]);
  });

  it('when a patient registers through /api, then her Patient has version 1; after one FHIR update, _history has 2 entries', async () => {
    const patient = await newPatient(hospital(), 'Versioned');
    const first = await request(hospital().app).get(`/fhir/Patient/${patient.patientId}/_history`).auth(patient.token, { type: 'bearer' }).expect(200);
    expect(first.body.entry).to.have.length(1);
    expect(first.body.entry[0].resource.meta.versionId).to.equal('1');
    const current = first.body.entry[0].resource as Json;
    const changed = { ...current, telecom: [{ system: 'phone', value: '+44 20 7946 0000' }], meta: undefined };
    await request(hospital().app).put(`/fhir/Patient/${patient.patientId}`).auth(patient.token, { type: 'bearer' }).type(fhirJson).send(changed).expect(200);
    const second = await request(hospital().app).get(`/fhir/Patient/${patient.patientId}/_history`).auth(patient.token, { type: 'bearer' }).expect(200);
    expect(second.body.entry.map((e: { resource: Json }) => e.resource.meta)).to.have.length(2);
    expect(second.body.entry[0].resource.telecom).to.deep.equal([{ system: 'phone', value: '+44 20 7946 0000' }]);
  });

  it('when an appointment booked with an extension through /fhir is cancelled through /api, then only its status changes', async () => {
    const doctor = await doctorWithSlots(hospital());
    const [slot] = await freeSlotsOf(hospital(), doctor.practitionerId);
    const patient = await newPatient(hospital(), 'Cancelling');
    const extension = [{ url: 'https://partner-b.example/fhir/StructureDefinition/referral', valueString: 'REF-42' }];
    const booking = {
      resourceType: 'Appointment', status: 'booked', start: slot.start.toISOString(), end: slot.end.toISOString(), extension,
      comment: 'Please bring the home readings.',
      serviceType: [{ coding: [{ system: 'https://internet-hospital.dev/fhir/CodeSystem/visit-type', code: 'in-person' }] }],
      slot: [{ reference: `Slot/${slot.id}` }], participant: [{ actor: { reference: `Patient/${patient.patientId}` }, status: 'accepted' }],
    };
    const created = await request(hospital().app).post('/fhir/Appointment').auth(patient.token, { type: 'bearer' }).type(fhirJson).send(booking).expect(201);
    expect(created.body.extension).to.deep.equal(extension);
    await request(hospital().app).post(`/api/appointments/${created.body.id}/cancel`).auth(patient.token, { type: 'bearer' }).send({}).expect(200);
    const after = await request(hospital().app).get(`/fhir/Appointment/${created.body.id}`).auth(patient.token, { type: 'bearer' }).expect(200);
    expect(after.body.status).to.equal('cancelled');
    expect(after.body.extension).to.deep.equal(extension);
    expect(after.body.comment).to.equal('Please bring the home readings.');
    expect(after.body.meta.versionId).to.equal('2');
    // Booking through /api leaves version 1 too.
    const [other] = (await freeSlotsOf(hospital(), doctor.practitionerId)).slice(1);
    const viaApi = (await book(hospital(), patient.token, other.id).expect(201)).body;
    const history = await request(hospital().app).get(`/fhir/Appointment/${viaApi.id}/_history`).auth(patient.token, { type: 'bearer' }).expect(200);
    expect(history.body.entry.map((e: { resource: Json }) => (e.resource.meta as Json).versionId)).to.deep.equal(['1']);
  });
});
