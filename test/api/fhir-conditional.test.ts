import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { newDoctor } from '../support/factories.js';
import { expectValidR4 } from '../support/fhir-validator.js';
import { storedRowCounts } from '../support/stored-rows.js';
import { describeOnEachDatabase } from '../support/test-node.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SYSTEM = 'urn:test:location-code';
const NPI = 'http://hl7.org/fhir/sid/us-npi';
const location = (code: string, name = `Clinic ${code}`) => ({ resourceType: 'Location', name, identifier: [{ system: SYSTEM, value: code }] });
const service = (locationReference: string, name = 'Blood pressure clinic') => ({ resourceType: 'HealthcareService', name, location: [{ reference: locationReference }] });
const issueCode = (outcome: Json) => outcome.issue?.[0]?.details?.coding?.[0]?.code as string | undefined;

describeOnEachDatabase('FHIR conditional interactions and conditional references (http.html#trules)', (hospital) => {
  let token: string;
  const as = <T extends request.Test>(call: T) => call.auth(token, { type: 'bearer' }).set('content-type', 'application/fhir+json');
  const transaction = (entry: Json[], type = 'transaction') => as(request(hospital().app).post('/fhir')).send({ resourceType: 'Bundle', type, entry });
  const unique = () => crypto.randomBytes(6).toString('hex');
  const createLocation = async (code: string, name?: string) => (await as(request(hospital().app).post('/fhir/Location')).send(location(code, name)).expect(201)).body as Json;

  before(async () => { token = (await newDoctor(hospital(), 'Conditional')).token; });

  describe('conditional references in a transaction', () => {
    it('when an entry references Location?identifier=… that matches one Location, then it is stored pointing at Location/{id}', async () => {
      const code = unique();
      const existing = await createLocation(code);
      const answer = await transaction([
        { resource: service(`Location?identifier=${SYSTEM}|${code}`), request: { method: 'POST', url: 'HealthcareService' } },
        { resource: service(`Location?identifier=${SYSTEM}|${code}`, 'Diabetes clinic'), request: { method: 'POST', url: 'HealthcareService' } },
      ]).expect(200);
      expectValidR4(answer.body);
      for (const entry of answer.body.entry as Json[]) {
        expect(entry.response.status).to.equal('201 Created');
        const stored = await as(request(hospital().app).get(`/fhir/${entry.response.location.replace(/\/_history\/\d+$/, '')}`)).expect(200);
        expect(stored.body.location).to.deep.equal([{ reference: `Location/${existing.id}` }]);
      }
    });

    it('when a conditional reference matches nothing, then the whole transaction is refused with 404 naming it, and nothing is stored', async () => {
      const code = unique();
      const reference = `Location?identifier=${SYSTEM}|${code}`;
      const before = await storedRowCounts(hospital().db);
      const answer = await transaction([
        { resource: location(unique()), request: { method: 'POST', url: 'Location' } },
        { resource: service(reference), request: { method: 'POST', url: 'HealthcareService' } },
      ]).expect(404);
      expectValidR4(answer.body);
      expect(answer.body.resourceType).to.equal('OperationOutcome');
      expect(issueCode(answer.body)).to.equal('conditional-reference-unresolved');
      expect(answer.body.issue[0].diagnostics).to.include(reference).and.include('Bundle.entry[1]').and.include('Nothing was stored');
      expect(answer.body.issue[0].expression).to.deep.equal(['Bundle.entry[1].resource.location[0].reference']);
      expect(await storedRowCounts(hospital().db)).to.deep.equal(before);
    });

    it('when a conditional reference matches two resources, then the whole transaction is refused with 412 naming it, and nothing is stored', async () => {
      const code = unique();
      await createLocation(code, 'First');
      await createLocation(code, 'Second');
      const reference = `Location?identifier=${SYSTEM}|${code}`;
      const before = await storedRowCounts(hospital().db);
      const answer = await transaction([
        { resource: location(unique()), request: { method: 'POST', url: 'Location' } },
        { resource: service(reference), request: { method: 'POST', url: 'HealthcareService' } },
      ]).expect(412);
      expectValidR4(answer.body);
      expect(issueCode(answer.body)).to.equal('conditional-reference-ambiguous');
      expect(answer.body.issue[0].diagnostics).to.include(reference);
      expect(await storedRowCounts(hospital().db)).to.deep.equal(before);
    });

    it('when Practitioner?identifier=… (a domain type, searched on its lookup rows) matches one, it resolves; none is 404 and two is 412, nothing stored', async () => {
      const admin = await hospital().tokenFor('admin@demo.test');
      const npi = `99${Date.now()}`.slice(0, 10);
      const giveNpi = async (practitionerId: string) => request(hospital().app).put(`/fhir/Practitioner/${practitionerId}`).auth(admin, { type: 'bearer' })
        .set('content-type', 'application/fhir+json')
        .send({ resourceType: 'Practitioner', id: practitionerId, identifier: [{ system: NPI, value: npi }], name: [{ family: 'Npi', given: ['Greg'] }] })
        .expect(200);
      const first = await newDoctor(hospital(), 'Npi');
      await giveNpi(first.practitionerId);
      const careTeam = (reference: string) => [
        { resource: location(unique()), request: { method: 'POST', url: 'Location' } },
        { resource: { resourceType: 'CareTeam', name: 'Imported team', participant: [{ member: { reference } }] }, request: { method: 'POST', url: 'CareTeam' } },
      ];
      const answer = await transaction(careTeam(`Practitioner?identifier=${NPI}|${npi}`)).expect(200);
      expect(answer.body.entry[1].resource.participant[0].member.reference).to.equal(`Practitioner/${first.practitionerId}`);

      const before = await storedRowCounts(hospital().db);
      const none = await transaction(careTeam(`Practitioner?identifier=${NPI}|${npi}0`)).expect(404);
      expect(issueCode(none.body)).to.equal('conditional-reference-unresolved');
      await giveNpi((await newDoctor(hospital(), 'Npi')).practitionerId);
      const afterSecond = await storedRowCounts(hospital().db);
      const two = await transaction(careTeam(`Practitioner?identifier=${NPI}|${npi}`)).expect(412);
      expect(issueCode(two.body)).to.equal('conditional-reference-ambiguous');
      expect(await storedRowCounts(hospital().db)).to.deep.equal(afterSecond);
      expect(afterSecond).to.not.deep.equal(before);
    });

    it('when a conditional reference uses a parameter the type does not search, then it is a 400, never a match on everything', async () => {
      await createLocation(unique());
      const answer = await transaction([
        { resource: service('Location?no-such-parameter=1'), request: { method: 'POST', url: 'HealthcareService' } },
      ]).expect(400);
      expect(issueCode(answer.body)).to.equal('unknown-search-parameter');
    });

    it('when a batch entry has a conditional reference that matches nothing, then only that entry fails', async () => {
      const code = unique();
      const existing = await createLocation(code);
      const answer = await transaction([
        { resource: service(`Location?identifier=${SYSTEM}|${code}`), request: { method: 'POST', url: 'HealthcareService' } },
        { resource: service(`Location?identifier=${SYSTEM}|${unique()}`), request: { method: 'POST', url: 'HealthcareService' } },
      ], 'batch').expect(200);
      expectValidR4(answer.body);
      const [first, second] = answer.body.entry as Json[];
      expect(first.response.status).to.equal('201 Created');
      expect(first.resource.location).to.deep.equal([{ reference: `Location/${existing.id}` }]);
      expect(second.response.status).to.equal('404');
      expect(issueCode(second.response.outcome)).to.equal('conditional-reference-unresolved');
    });
  });

  describe('conditional create, update and delete outside a Bundle', () => {
    it('when PUT Location?identifier=… matches nothing, then it creates (201); once it matches, it updates that one (200, version 2)', async () => {
      const code = unique();
      const url = `/fhir/Location?identifier=${SYSTEM}%7C${code}`;
      const created = await as(request(hospital().app).put(url)).send(location(code, 'Before')).expect(201);
      expect(created.headers.location).to.match(new RegExp(`/fhir/Location/${created.body.id}/_history/1$`));
      const updated = await as(request(hospital().app).put(url)).send(location(code, 'After')).expect(200);
      expect(updated.body.id).to.equal(created.body.id);
      expect(updated.body.meta.versionId).to.equal('2');
      const read = await as(request(hospital().app).get(`/fhir/Location/${created.body.id}`)).expect(200);
      expect(read.body.name).to.equal('After');
    });

    it('when a conditional update matches two, then 412 and neither changes; a body naming another id is 400', async () => {
      const code = unique();
      const [a, b] = [await createLocation(code, 'A'), await createLocation(code, 'B')];
      const url = `/fhir/Location?identifier=${SYSTEM}%7C${code}`;
      const several = await as(request(hospital().app).put(url)).send(location(code, 'Changed')).expect(412);
      expect(issueCode(several.body)).to.equal('multiple-matches');
      for (const { id } of [a, b]) expect((await as(request(hospital().app).get(`/fhir/Location/${id}`)).expect(200)).body.meta.versionId).to.equal('1');
      const other = unique();
      const single = await createLocation(other);
      const mismatch = await as(request(hospital().app).put(`/fhir/Location?identifier=${SYSTEM}%7C${other}`)).send({ ...location(other), id: a.id }).expect(400);
      expect(issueCode(mismatch.body)).to.equal('id-mismatch');
      expect((await as(request(hospital().app).get(`/fhir/Location/${single.id}`)).expect(200)).body.meta.versionId).to.equal('1');
    });

    it('when DELETE Location?identifier=… matches one, then it is deleted (204, read 410); none is a 204 too; two is 412 and nothing is deleted', async () => {
      const code = unique();
      const one = await createLocation(code);
      await as(request(hospital().app).delete(`/fhir/Location?identifier=${SYSTEM}%7C${code}`)).expect(204);
      await as(request(hospital().app).get(`/fhir/Location/${one.id}`)).expect(410);
      await as(request(hospital().app).delete(`/fhir/Location?identifier=${SYSTEM}%7C${code}`)).expect(204);
      const twice = unique();
      const [a, b] = [await createLocation(twice), await createLocation(twice)];
      const several = await as(request(hospital().app).delete(`/fhir/Location?identifier=${SYSTEM}%7C${twice}`)).expect(412);
      expect(issueCode(several.body)).to.equal('multiple-matches');
      for (const { id } of [a, b]) await as(request(hospital().app).get(`/fhir/Location/${id}`)).expect(200);
    });

    it('when DELETE or PUT on a type names no criteria, then it is a 400 rather than a change to every resource', async () => {
      await createLocation(unique());
      const deleted = await as(request(hospital().app).delete('/fhir/Location')).expect(400);
      expect(issueCode(deleted.body)).to.equal('invalid-search');
      const put = await as(request(hospital().app).put('/fhir/Location?_count=1')).send(location(unique())).expect(400);
      expect(issueCode(put.body)).to.equal('invalid-search');
    });

    it('when an admin conditionally updates an Organization (a domain type), then none creates it and one updates it', async () => {
      const admin = await hospital().tokenFor('admin@demo.test');
      const code = unique();
      const organization = (name: string) => ({ resourceType: 'Organization', name, identifier: [{ system: 'urn:internet-hospital:organization-identifier', value: code }] });
      const url = `/fhir/Organization?identifier=urn:internet-hospital:organization-identifier%7C${code}`;
      const put = (name: string) => request(hospital().app).put(url).auth(admin, { type: 'bearer' }).set('content-type', 'application/fhir+json').send(organization(name));
      const created = await put('Partner clinic').expect(201);
      const updated = await put('Partner clinic (renamed)').expect(200);
      expect(updated.body.id).to.equal(created.body.id);
      expect(updated.body.name).to.equal('Partner clinic (renamed)');
    });
  });

  describe('conditional entries in a transaction', () => {
    it('when a conditional create matches, then references to its urn:uuid point at the existing resource and nothing new is created', async () => {
      const code = unique();
      const existing = await createLocation(code);
      const uuid = `urn:uuid:${crypto.randomUUID()}`;
      const before = (await as(request(hospital().app).get('/fhir/Location').query({ identifier: `${SYSTEM}|${code}` })).expect(200)).body.entry.length;
      const answer = await transaction([
        { fullUrl: uuid, resource: location(code), request: { method: 'POST', url: 'Location', ifNoneExist: `identifier=${SYSTEM}|${code}` } },
        { resource: service(uuid), request: { method: 'POST', url: 'HealthcareService' } },
      ]).expect(200);
      expect(answer.body.entry[0].response.status).to.equal('200 OK');
      expect(answer.body.entry[0].resource.id).to.equal(existing.id);
      expect(answer.body.entry[1].resource.location).to.deep.equal([{ reference: `Location/${existing.id}` }]);
      const after = (await as(request(hospital().app).get('/fhir/Location').query({ identifier: `${SYSTEM}|${code}` })).expect(200)).body.entry.length;
      expect(after).to.equal(before);
    });

    it('when a transaction holds a conditional update and a conditional delete, then both happen in it, and references follow the update', async () => {
      const [kept, gone] = [unique(), unique()];
      const existing = await createLocation(kept, 'Old name');
      const doomed = await createLocation(gone);
      const uuid = `urn:uuid:${crypto.randomUUID()}`;
      const answer = await transaction([
        { fullUrl: uuid, resource: location(kept, 'New name'), request: { method: 'PUT', url: `Location?identifier=${SYSTEM}|${kept}` } },
        { request: { method: 'DELETE', url: `Location?identifier=${SYSTEM}|${gone}` } },
        { resource: service(uuid), request: { method: 'POST', url: 'HealthcareService' } },
      ]).expect(200);
      expect(answer.body.entry.map((e: Json) => e.response.status)).to.deep.equal(['200 OK', '204 No Content', '201 Created']);
      expect(answer.body.entry[2].resource.location).to.deep.equal([{ reference: `Location/${existing.id}` }]);
      expect((await as(request(hospital().app).get(`/fhir/Location/${existing.id}`)).expect(200)).body).to.deep.include({ name: 'New name' });
      await as(request(hospital().app).get(`/fhir/Location/${doomed.id}`)).expect(410);
    });

    it('when the transaction itself deletes what its conditional create matched, then its search, run again inside, refuses it (409) and nothing is stored', async () => {
      const code = unique();
      const existing = await createLocation(code);
      const before = await storedRowCounts(hospital().db);
      const answer = await transaction([
        { resource: location(code), request: { method: 'POST', url: 'Location', ifNoneExist: `identifier=${SYSTEM}|${code}` } },
        { request: { method: 'DELETE', url: `Location/${existing.id}` } },
      ]).expect(409);
      expect(issueCode(answer.body)).to.equal('conditional-match-changed');
      expect(await storedRowCounts(hospital().db)).to.deep.equal(before);
      await as(request(hospital().app).get(`/fhir/Location/${existing.id}`)).expect(200);
    });

    it('when a conditional update in a transaction matches two, then the transaction is refused with 412 and nothing is stored', async () => {
      const code = unique();
      await createLocation(code);
      await createLocation(code);
      const before = await storedRowCounts(hospital().db);
      const answer = await transaction([
        { resource: location(unique()), request: { method: 'POST', url: 'Location' } },
        { resource: location(code, 'Changed'), request: { method: 'PUT', url: `Location?identifier=${SYSTEM}|${code}` } },
      ]).expect(412);
      expect(issueCode(answer.body)).to.equal('multiple-matches');
      expect(answer.body.issue[0].diagnostics).to.include('Bundle.entry[1]');
      expect(await storedRowCounts(hospital().db)).to.deep.equal(before);
    });
  });
});
