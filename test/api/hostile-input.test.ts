import { expect } from 'chai';
import request from 'supertest';
import { newPatient } from '../support/factories.js';
import { heartRate } from '../support/fhir.js';
import { openFollowUpVisit, RAMIPRIL } from '../support/prescriptions.js';
import { expectClearRefusal } from '../support/refusals.js';
import { storedRowCounts } from '../support/stored-rows.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

/** Prepares what the case needs (accounts, a visit), then returns the one request under test. */
type Send = (hospital: TestNode) => Promise<() => request.Test>;

const admin = (hospital: TestNode) => hospital.tokenFor('admin@demo.test');
const fhirJson = 'application/fhir+json';

const byAdmin = (build: (app: TestNode['app']) => request.Test): Send => async (h) => {
  const token = await admin(h);
  return () => build(h.app).auth(token, { type: 'bearer' });
};
const byNewPatient = (build: (app: TestNode['app'], patientId: string) => request.Test): Send => async (h) => {
  const patient = await newPatient(h);
  return () => build(h.app, patient.patientId).auth(patient.token, { type: 'bearer' });
};
const reading = (code: string) => ({ code, value: 80, unit: '/min', effectiveAt: new Date().toISOString(), entryMethod: 'typed' });
const cursor = (json: string) => Buffer.from(json).toString('base64url');
const longDisplay = (patientId: string) => {
  const observation = heartRate(patientId, 70);
  observation.code.coding[0].display = 'd'.repeat(300);
  return observation;
};

/** The malformed inputs a tester found answering 500 (issue 11), each with where it is sent. */
const cases: Array<{ name: string; path: string; send: Send }> = [
  { name: 'a _search body with a number for a parameter ({"code":1})', path: '/fhir',
    send: byAdmin((app) => request(app).post('/fhir/Observation/_search').send({ code: 1 })) },
  { name: 'a _search body with an object for a parameter', path: '/fhir',
    send: byAdmin((app) => request(app).post('/fhir/Patient/_search').send({ family: { a: 'b' } })) },
  { name: 'a transaction Bundle whose entry is a string', path: '/fhir',
    send: byAdmin((app) => request(app).post('/fhir').type(fhirJson).send({ resourceType: 'Bundle', type: 'transaction', entry: 'x' })) },
  { name: 'a batch Bundle whose entry is a string', path: '/fhir',
    send: byAdmin((app) => request(app).post('/fhir').type(fhirJson).send({ resourceType: 'Bundle', type: 'batch', entry: 'x' })) },
  { name: 'a Bundle entry whose request.url is a number', path: '/fhir',
    send: byAdmin((app) => request(app).post('/fhir').type(fhirJson)
      .send({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: 1 } }] })) },
  { name: 'a Bundle entry that is null', path: '/fhir',
    send: byAdmin((app) => request(app).post('/fhir').type(fhirJson).send({ resourceType: 'Bundle', type: 'transaction', entry: [null] })) },
  { name: 'Parameters with a null parameter ($lookup)', path: '/fhir',
    send: async (h) => {
      const token = await h.tokenFor('pharm.li@demo.test');
      return () => request(h.app).post('/fhir/Task/abc/$lookup').auth(token, { type: 'bearer' }).type(fhirJson)
        .send({ resourceType: 'Parameters', parameter: [null] });
    } },
  { name: 'Parameters with a parameter named constructor ($lookup)', path: '/fhir',
    send: async (h) => {
      const token = await h.tokenFor('pharm.li@demo.test');
      return () => request(h.app).post('/fhir/Task/abc/$lookup').auth(token, { type: 'bearer' }).type(fhirJson)
        .send({ resourceType: 'Parameters', parameter: [{ name: 'constructor', valueString: 'x' }, { name: 'accessCode', valueInteger: 1 }] });
    } },
  { name: 'Parameters with a null parameter ($everything)', path: '/fhir',
    send: byNewPatient((app, id) => request(app).post(`/fhir/Patient/${id}/$everything`).type(fhirJson)
      .send({ resourceType: 'Parameters', parameter: [null] })) },
  { name: 'Parameters with a parameter named constructor ($everything)', path: '/fhir',
    send: byNewPatient((app, id) => request(app).post(`/fhir/Patient/${id}/$everything`).type(fhirJson)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'constructor', valueString: 'x' }] })) },
  { name: 'a paging cursor that decodes to null', path: '/fhir',
    send: byAdmin((app) => request(app).get(`/fhir/Observation?_cursor=${cursor('null')}`)) },
  { name: 'a paging cursor without an id', path: '/fhir',
    send: byAdmin((app) => request(app).get(`/fhir/Patient?_sort=family&_cursor=${cursor('{"v":{}}')}`)) },
  { name: 'a Patient whose name is an object', path: '/fhir',
    send: byAdmin((app) => request(app).post('/fhir/Patient').type(fhirJson).send({ resourceType: 'Patient', name: {} })) },
  { name: 'a lone surrogate in a prescription dose', path: '/api',
    send: async (h) => {
      const setup = await openFollowUpVisit(h);
      return () => request(h.app).post('/api/prescriptions').auth(setup.doctor.token, { type: 'bearer' })
        .send({ encounterId: setup.visit.id, lines: [{ ...RAMIPRIL, dose: '1 tablet \ud800' }] });
    } },
  { name: 'a reading with code "constructor"', path: '/api',
    send: byNewPatient((app, id) => request(app).post(`/api/patients/${id}/readings`).send(reading('constructor'))) },
  { name: 'a reading with code "__proto__"', path: '/api',
    send: byNewPatient((app, id) => request(app).post(`/api/patients/${id}/readings`).send(reading('__proto__'))) },
  { name: 'a NUL byte in an /api id', path: '/api',
    send: byAdmin((app) => request(app).get('/api/patients/abc%00def')) },
  { name: 'a NUL byte in a FHIR id', path: '/fhir',
    send: byAdmin((app) => request(app).get('/fhir/Patient/abc%00def')) },
  { name: 'a NUL byte in a FHIR update id', path: '/fhir',
    send: byNewPatient((app, id) => request(app).put('/fhir/Observation/abc%00def').type(fhirJson).send(heartRate(id, 70))) },
  { name: 'a NUL byte in an id inside the body', path: '/api',
    send: byNewPatient((app) => request(app).post('/api/appointments').send({ slotId: 'a\u0000b', visitType: 'in-person' })) },
  { name: 'an id longer than 64 characters', path: '/api',
    send: byAdmin((app) => request(app).get(`/api/prescriptions/${'a'.repeat(65)}`)) },
  { name: 'a 300-character display in a FHIR Observation', path: '/fhir',
    send: byNewPatient((app, id) => request(app).post('/fhir/Observation').type(fhirJson).send(longDisplay(id))) },
  { name: 'a FHIR date search with month 99 (date=2024-99)', path: '/fhir',
    send: byAdmin((app) => request(app).get('/fhir/Observation?date=2024-99')) },
  { name: 'a FHIR date search on February 30th', path: '/fhir',
    send: byAdmin((app) => request(app).get('/fhir/Patient?birthdate=2024-02-30')) },
  { name: 'a FHIR date search at hour 25', path: '/fhir',
    send: byAdmin((app) => request(app).get('/fhir/Observation?date=ge2024-01-01T25:00:00Z')) },
];

describeOnEachDatabase('Hostile input: the malformed inputs that once answered 500', (hospital) => {
  for (const { name, path, send } of cases) {
    it(`when a client sends ${name}, then it is refused with a 4xx that says why, and nothing is stored`, async () => {
      const refused = await send(hospital());
      const before = await storedRowCounts(hospital().db);
      expectClearRefusal(await refused(), path);
      expect(await storedRowCounts(hospital().db)).to.deep.equal(before);
    });
  }
});
