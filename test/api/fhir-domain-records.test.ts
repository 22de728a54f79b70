import { expect } from 'chai';
import request from 'supertest';
import { newPatient } from '../support/factories.js';
import { withoutServerElements } from '../support/server-elements.js';
import { describeOnEachDatabase } from '../support/test-node.js';

type Json = Record<string, unknown>;

const richPatient = () => ({
  resourceType: 'Patient',
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Wang Xiuying</div>' },
  extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueAddress: { city: 'Hangzhou', country: 'CN' } }],
  identifier: [
    { system: 'urn:oid:2.16.156.10011.1.1', value: `3301${Date.now()}` },
    { use: 'secondary', system: 'https://partner.example/mrn', value: 'MRN-0042' },
  ],
  name: [{ use: 'official', family: 'Wang', given: ['Xiuying', 'Lan'] }, { use: 'nickname', given: ['Xiu'] }],
  gender: 'female',
  birthDate: '1951-03-08',
  address: [{ use: 'home', line: ['12 West Lake Road'], city: 'Hangzhou', postalCode: '310000', country: 'CN' }],
  maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'W', display: 'Widowed' }] },
  contact: [{
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'N' }] }],
    name: { family: 'Wang', given: ['Jun'] }, telecom: [{ system: 'phone', value: '+86 571 0000 0000' }],
  }],
  communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'zh-CN' }] }, preferred: true }],
});

const richObservation = (patientId: string) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }], text: 'BP' },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: '2026-11-30T08:15:00+08:00',
  interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'H', display: 'High' }] }],
  note: [{ text: 'Measured after climbing the stairs.' }],
  component: [
    {
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic (my cuff)' }] },
      valueQuantity: { value: 152, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    },
    {
      code: { coding: [{ system: 'http://loinc.org', code: '8462-4', display: 'Diastolic (my cuff)' }] },
      valueQuantity: { value: 91, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    },
  ],
});

/**
 * The domain types are stored whole (docs/fhir.md "Domain records"): what a client posts is what every read gives
 * back, element for element, while the domain table keeps its projection for the rules and /api.
 */
describeOnEachDatabase('FHIR domain records: Patient and Observation are stored whole', (hospital) => {
  const fhir = 'application/fhir+json';

  async function roundTrip(token: string, type: string, body: Json, search: string): Promise<void> {
    const app = hospital().app;
    const as = <T extends request.Test>(call: T) => call.auth(token, { type: 'bearer' });
    const created = await as(request(app).post(`/fhir/${type}`)).set('Content-Type', fhir).send(JSON.stringify(body)).expect(201);
    const id = created.body.id as string;
    expect(withoutServerElements(created.body), 'create').to.deep.equal(body);
    const read = await as(request(app).get(`/fhir/${type}/${id}`)).expect(200);
    expect(withoutServerElements(read.body), 'read').to.deep.equal(body);
    const vread = await as(request(app).get(`/fhir/${type}/${id}/_history/1`)).expect(200);
    expect(withoutServerElements(vread.body), 'vread').to.deep.equal(body);
    const found = await as(request(app).get(`/fhir/${type}?_id=${id}&${search}`)).expect(200);
    expect(found.body.entry.map((e: { resource: Json }) => withoutServerElements(e.resource)), 'search').to.deep.equal([body]);

    const changed = { ...body, id, meta: { versionId: '1' }, ...(type === 'Patient' ? { birthDate: '1951-03-09' } : { status: 'amended' }) };
    const updated = await as(request(app).put(`/fhir/${type}/${id}`)).set('Content-Type', fhir).set('If-Match', 'W/"1"').send(JSON.stringify(changed)).expect(200);
    expect(updated.body.meta.versionId).to.equal('2');
    const history = await as(request(app).get(`/fhir/${type}/${id}/_history`)).expect(200);
    expect(history.body.entry.map((e: { resource: Json }) => e.resource.meta)).to.have.length(2);
    expect(withoutServerElements(history.body.entry[0].resource), 'history, newest').to.deep.equal(withoutServerElements(changed));
    expect(withoutServerElements(history.body.entry[1].resource), 'history, first').to.deep.equal(body);
  }

  it('when a rich Patient is posted, then read, vread, search, update and _history give it back element for element', async () => {
    // An admin opens a patient's record from a partner's copy; a doctor would need the patient in their care first.
    await roundTrip(await hospital().tokenFor('admin@demo.test'), 'Patient', richPatient(), 'family=wang&given=xiuy');
  });

  it('when patients are searched by name, then every name of the stored record counts, any case, accent or apostrophe, page after page', async () => {
    const token = await hospital().tokenFor('admin@demo.test');
    const as = <T extends request.Test>(call: T) => call.auth(token, { type: 'bearer' });
    const family = `Dúbhghaill${Date.now()}`;
    const post = async (body: Json) => (await as(request(hospital().app).post('/fhir/Patient')).set('Content-Type', fhir).send(JSON.stringify(body)).expect(201)).body.id as string;
    const siobhan = await post({ resourceType: 'Patient', name: [{ family, given: ['Siobhán'] }, { use: 'maiden', family: `O'Brien${family}` }] });
    const ids = [
      siobhan,
      await post({ resourceType: 'Patient', name: [{ family, given: ['Aoife'] }] }),
      await post({ resourceType: 'Patient', name: [{ family, given: ['Niamh'] }] }),
    ].sort();
    const idsOf = (bundle: { entry?: Array<{ resource: Json }> }) => (bundle.entry ?? []).map((e) => e.resource.id);
    const search = async (query: string) => (await as(request(hospital().app).get(`/fhir/Patient?${query}`)).expect(200)).body;
    // Without the accent, in capitals: the name as an elderly patient's relative would type it.
    expect(idsOf(await search(`name=${encodeURIComponent(family.replace('ú', 'U').toUpperCase())}`))).to.deep.equal(ids);
    // The maiden name, with its apostrophe, finds the patient it belongs to and no other.
    expect(idsOf(await search(`name=${encodeURIComponent(`o'brien${family}`)}`))).to.deep.equal([siobhan]);
    expect(idsOf(await search(`given=${encodeURIComponent('siobhan')}&family=${encodeURIComponent(family)}`))).to.deep.equal([siobhan]);
    // Two a page: the next link brings the third, and nothing twice.
    const first = await search(`name=${encodeURIComponent(family)}&_count=2`);
    const next = new URL(first.link.find((l: { relation: string }) => l.relation === 'next').url);
    const second = await search(next.searchParams.toString());
    expect([...idsOf(first), ...idsOf(second)]).to.deep.equal(ids);
  });

  it('when a rich Observation is posted, then interpretation, note and each component\'s own display survive every read', async () => {
    const patient = await newPatient(hospital(), 'Xiuying');
    await roundTrip(patient.token, 'Observation', richObservation(patient.patientId), 'code=http://loinc.org|85354-9');
  });

  it('when a patient registers through /api, then the record has version 1 and its audit event, and one FHIR update makes two versions', async () => {
    const email = `reg.${Date.now()}@example.test`;
    const registered = await request(hospital().app).post('/api/patients')
      .send({ email, password: 'correct horse battery', givenName: 'Mei', familyName: 'Lin' }).expect(201);
    const patientId = (registered.body.patientId ?? registered.body.id) as string;
    const { FhirResource, ResourceVersion, AuditEvent } = hospital().db.models;
    expect(await ResourceVersion.count({ where: { resourceType: 'Patient', resourceId: patientId } })).to.equal(1);
    expect(await FhirResource.count({ where: { resourceType: 'Patient', id: patientId } })).to.equal(1);
    expect(await AuditEvent.count({ where: { resourceType: 'Patient', resourceId: patientId, action: 'C', activity: 'register' } })).to.equal(1);

    const token = await hospital().tokenFor(email);
    const as = <T extends request.Test>(call: T) => call.auth(token, { type: 'bearer' });
    const current = (await as(request(hospital().app).get(`/fhir/Patient/${patientId}`)).expect(200)).body;
    expect(current.meta.versionId).to.equal('1');
    const withAddress = { ...current, address: [{ city: 'Suzhou', country: 'CN' }] };
    await as(request(hospital().app).put(`/fhir/Patient/${patientId}`)).set('Content-Type', fhir).send(JSON.stringify(withAddress)).expect(200);
    const history = (await as(request(hospital().app).get(`/fhir/Patient/${patientId}/_history`)).expect(200)).body;
    expect(history.entry.map((e: { resource: Json }) => (e.resource.meta as Json).versionId)).to.deep.equal(['2', '1']);
    expect(history.entry[0].resource.address).to.deep.equal([{ city: 'Suzhou', country: 'CN' }]);
    // The projection follows the record: /api shows the same patient.
    const row = await hospital().db.models.Patient.findByPk(patientId, { rejectOnEmpty: true });
    expect([row.givenName, row.familyName, row.versionId]).to.deep.equal(['Mei', 'Lin', 2]);
  });

  it('when a use case changes a record posted whole, then what the use case does not touch survives', async () => {
    const patient = await newPatient(hospital(), 'Usecase');
    const app = hospital().app;
    const as = <T extends request.Test>(call: T) => call.auth(patient.token, { type: 'bearer' });
    const current = (await as(request(app).get(`/fhir/Patient/${patient.patientId}`)).expect(200)).body;
    const extra = { maritalStatus: richPatient().maritalStatus, address: richPatient().address };
    await as(request(app).put(`/fhir/Patient/${patient.patientId}`)).set('Content-Type', fhir).send(JSON.stringify({ ...current, ...extra })).expect(200);
    const observation = (await as(request(app).post('/fhir/Observation')).set('Content-Type', fhir)
      .send(JSON.stringify(richObservation(patient.patientId))).expect(201)).body;
    // A delete is the domain's entered-in-error: a new version with that status, the rest kept.
    await as(request(app).delete(`/fhir/Observation/${observation.id}`)).expect(204);
    const deleted = (await as(request(app).get(`/fhir/Observation/${observation.id}`)).expect(200)).body;
    expect(deleted.status).to.equal('entered-in-error');
    expect(deleted.note).to.deep.equal(richObservation(patient.patientId).note);
    expect(deleted.meta.versionId).to.equal('2');
    const read = (await as(request(app).get(`/fhir/Patient/${patient.patientId}`)).expect(200)).body;
    expect(read.maritalStatus).to.deep.equal(extra.maritalStatus);
  });
});
