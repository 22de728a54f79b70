import { expect } from 'chai';
import type { Client } from 'fhir-kit-client';
import request from 'supertest';
import { newDoctor, newPatient, recordInPersonVisit } from '../support/factories.js';
import { failureOf, heartRate, responseOf, startFhirServer, type FhirTestServer } from '../support/fhir.js';
import { expectValidR4 } from '../support/fhir-validator.js';
import { describeOnEachDatabase } from '../support/test-node.js';

type Json = Record<string, unknown> & { id?: string; resourceType?: string; meta?: { versionId?: string } };
interface SearchBundle { entry?: Array<{ resource: Json; search?: { mode: string } }>; link?: Array<{ relation: string; url: string }> }

/** Every answer the tests look at is checked against the official R4 definitions first. */
async function valid<T>(promise: Promise<unknown>): Promise<T> {
  const resource = await promise;
  expectValidR4(resource);
  return resource as T;
}

const matches = (bundle: SearchBundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource);

describeOnEachDatabase('FHIR REST API through a FHIR client', (hospital) => {
  let fhir: FhirTestServer;
  before(async () => { fhir = await startFhirServer(hospital()); });
  after(async () => { await fhir.close(); });

  const admin = async () => fhir.client(await hospital().tokenFor('admin@demo.test'));

  it('when a client reads /fhir/metadata, then a valid R4 CapabilityStatement lists the served types and SMART token URL', async () => {
    const client = fhir.client('none');
    const statement = await valid<Json & { fhirVersion: string; rest: Array<{ resource: Array<{ type: string; interaction: Array<{ code: string }>; searchParam?: Array<{ name: string }> }>; security: { extension: Array<{ extension: Array<{ valueUri: string }> }> } }> }>(client.capabilityStatement());
    expect(statement.fhirVersion).to.equal('4.0.1');
    const types = statement.rest[0].resource.map((r) => r.type);
    expect(types).to.include.members(['Appointment', 'AuditEvent', 'Condition', 'Coverage', 'DiagnosticReport', 'Encounter', 'Observation', 'Organization', 'Patient', 'Practitioner', 'PractitionerRole', 'Schedule', 'Slot', 'Task']);
    // Every other R4 type is the repository's (test/api/fhir-repository-*.test.ts), but those refused on purpose.
    expect(types).to.include.members(['AllergyIntolerance', 'DocumentReference', 'Medication', 'MedicationRequest']);
    expect(types).not.to.include.members(['Parameters', 'OperationOutcome', 'Subscription']);
    const task = statement.rest[0].resource.find((r) => r.type === 'Task') as unknown as { interaction: { code: string }[]; operation: { name: string; definition: string }[] };
    expect(task.interaction.map((i) => i.code)).to.deep.equal(['read']);
    expect(task.operation.map((o) => o.name)).to.have.members(['lookup', 'accept', 'reject', 'close', 'abort']);
    const audit = statement.rest[0].resource.find((r) => r.type === 'AuditEvent')!;
    expect(audit.interaction.map((i) => i.code)).to.have.members(['read', 'search-type']);
    const observation = statement.rest[0].resource.find((r) => r.type === 'Observation')!;
    expect(observation.searchParam!.map((p) => p.name)).to.include.members(['_id', '_lastUpdated', 'patient', 'code', 'date']);
    expect(statement.rest[0].security.extension[0].extension[0].valueUri).to.match(/\/auth\/token$/);
    const smart = await request(hospital().app).get('/.well-known/smart-configuration').expect(200);
    expect(smart.body.token_endpoint).to.match(/\/auth\/token$/);
  });

  it('when a patient creates, reads, updates and vreads an Observation, then versions, ETag and Location follow the spec', async () => {
    const patient = await newPatient(hospital(), 'Versioned');
    const client = fhir.client(patient.token);
    const created = await valid<Json>(client.create({ resourceType: 'Observation', body: heartRate(patient.patientId, 72) as never }));
    expect(created.meta?.versionId).to.equal('1');
    const createdResponse = responseOf(created);
    expect(createdResponse.status).to.equal(201);
    expect(createdResponse.headers.get('etag')).to.equal('W/"1"');
    // Links name the configured public address (PUBLIC_BASE_URL), never the Host the request came in on.
    expect(createdResponse.headers.get('location')).to.equal(`${hospital().config.publicBaseUrl}/fhir/Observation/${created.id}/_history/1`);
    expect(createdResponse.headers.get('content-type')).to.match(/^application\/fhir\+json/);

    const read = await valid<Json>(client.read({ resourceType: 'Observation', id: created.id! }));
    expect(read).to.deep.equal({ ...created });
    const updated = await valid<Json & { valueQuantity: { value: number } }>(client.update({
      resourceType: 'Observation', id: created.id!, body: { ...heartRate(patient.patientId, 80), id: created.id } as never,
      options: { headers: { 'If-Match': 'W/"1"' } },
    }));
    expect(updated.meta?.versionId).to.equal('2');
    expect(updated.valueQuantity.value).to.equal(80);

    const stale = await failureOf(client.update({
      resourceType: 'Observation', id: created.id!, body: { ...heartRate(patient.patientId, 90), id: created.id } as never,
      options: { headers: { 'If-Match': 'W/"1"' } },
    }));
    expect(stale.status).to.equal(412);
    expectValidR4(stale.data);
    expect(stale.data.issue![0].details!.coding![0].code).to.equal('version-conflict');

    const first = await valid<Json & { valueQuantity: { value: number } }>(client.vread({ resourceType: 'Observation', id: created.id!, version: '1' }));
    expect(first.valueQuantity.value).to.equal(72);
    const current = await valid<Json & { valueQuantity: { value: number } }>(client.vread({ resourceType: 'Observation', id: created.id!, version: '2' }));
    expect(current.valueQuantity.value).to.equal(80);
    expect((await failureOf(client.vread({ resourceType: 'Observation', id: created.id!, version: '7' }))).status).to.equal(404);

    const history = await valid<{ type: string; entry: Array<{ resource: Json }> }>(client.history({ resourceType: 'Observation', id: created.id! }));
    expect(history.type).to.equal('history');
    expect(history.entry.map((e) => e.resource.meta?.versionId)).to.deep.equal(['2', '1']);
  });

  it('when Prefer: return=minimal, then the create answers 201 with headers and no body', async () => {
    const patient = await newPatient(hospital(), 'Minimal');
    const res = await request(hospital().app).post('/fhir/Observation').auth(patient.token, { type: 'bearer' })
      .set('Content-Type', 'application/fhir+json').set('Prefer', 'return=minimal')
      .send(JSON.stringify(heartRate(patient.patientId, 61))).expect(201);
    expect(res.text).to.equal('');
    expect(res.headers.etag).to.equal('W/"1"');
    expect(res.headers.location).to.match(/\/fhir\/Observation\/[0-9a-f-]{36}\/_history\/1$/);
  });

  it('when a client pages through a search, then every match comes exactly once even while new data arrives', async () => {
    const patient = await newPatient(hospital(), 'Paged');
    const client = fhir.client(patient.token);
    const ids = new Set<string>();
    for (let i = 0; i < 7; i++) {
      const obs = await client.create({ resourceType: 'Observation', body: heartRate(patient.patientId, 60 + i) as never }) as Json;
      ids.add(obs.id!);
    }
    const seen: string[] = [];
    let page = await valid<SearchBundle>(client.search({ resourceType: 'Observation', searchParams: { code: 'http://loinc.org|8867-4', _count: 3 } }));
    let pages = 1;
    for (;;) {
      seen.push(...matches(page).map((r) => r.id!));
      if (pages === 1) await client.create({ resourceType: 'Observation', body: heartRate(patient.patientId, 99) as never });
      // The links name PUBLIC_BASE_URL; this test server listens elsewhere, so the client follows them here.
      const nextLink = page.link?.find((l) => l.relation === 'next');
      if (nextLink) nextLink.url = nextLink.url.replace(`${hospital().config.publicBaseUrl}/fhir`, fhir.base);
      const next = client.nextPage({ bundle: page as never });
      if (!next) break;
      page = await valid<SearchBundle>(next);
      pages++;
    }
    expect(pages).to.be.at.least(3);
    expect(new Set(seen).size).to.equal(seen.length);
    for (const id of ids) expect(seen).to.include(id);
  });

  it('when searching with token, date, string and reference parameters, then they match as search.html defines', async () => {
    const patient = await newPatient(hospital(), 'Zebediah');
    const client = fhir.client(patient.token);
    await client.create({ resourceType: 'Observation', body: heartRate(patient.patientId, 50, '2024-03-10T08:00:00Z') as never });
    await client.create({ resourceType: 'Observation', body: heartRate(patient.patientId, 51, '2024-03-11T08:00:00Z') as never });
    await client.create({ resourceType: 'Observation', body: heartRate(patient.patientId, 52, '2024-04-01T08:00:00Z') as never });
    const values = async (searchParams: Record<string, string | string[]>) =>
      matches(await valid<SearchBundle>(client.search({ resourceType: 'Observation', searchParams: { patient: `Patient/${patient.patientId}`, ...searchParams } })))
        .map((r) => (r as { valueQuantity: { value: number } }).valueQuantity.value).sort();
    expect(await values({ date: '2024-03' })).to.deep.equal([50, 51]);
    expect(await values({ date: 'ge2024-03-11' })).to.deep.equal([51, 52]);
    expect(await values({ date: 'gt2024-03-11' })).to.deep.equal([52]);
    expect(await values({ date: 'lt2024-03-11' })).to.deep.equal([50]);
    expect(await values({ date: 'le2024-03-11' })).to.deep.equal([50, 51]);
    expect(await values({ date: ['ge2024-03-01', 'lt2024-04-01'] })).to.deep.equal([50, 51]);
    expect(await values({ code: 'http://loinc.org|8867-4' })).to.deep.equal([50, 51, 52]);
    expect(await values({ code: 'http://snomed.info/sct|8867-4' })).to.deep.equal([]);
    expect(await values({ code: '8867-4,8480-6' })).to.deep.equal([50, 51, 52]);
    const byName = matches(await valid<SearchBundle>(client.search({ resourceType: 'Patient', searchParams: { name: 'zebed' } })));
    expect(byName.map((r) => r.id)).to.deep.equal([patient.patientId]);
    // Patients are searched by name across the hospital: the admin, who reads patients as accounts.
    const admin_ = await admin();
    const names = async (searchParams: Record<string, string>) => matches(await valid<SearchBundle>(admin_.search({ resourceType: 'Patient', searchParams })))
      .map((r) => (r as { name: { family: string }[] }).name[0].family).sort();
    const tag = patient.patientId.slice(0, 6);
    for (const family of [`Wild_${tag}`, `Wildx${tag}`, `Wild%${tag}`]) await admin_.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family, given: ['Card'] }] } as never });
    expect(await names({ family: `Wild_${tag}` }), '_ is a character, not a wildcard').to.deep.equal([`Wild_${tag}`]);
    expect(await names({ 'family:contains': `%${tag}` }), '% is a character, not a wildcard').to.deep.equal([`Wild%${tag}`]);
    expect(await names({ family: `wild` })).to.include.members([`Wild%${tag}`, `Wild_${tag}`, `Wildx${tag}`]);
    const recent = matches(await valid<SearchBundle>(client.search({ resourceType: 'Observation', searchParams: {
      patient: patient.patientId, _lastUpdated: `ge${new Date(Date.now() - 3_600_000).toISOString().slice(0, 19)}Z`, _sort: '_lastUpdated' } })));
    expect(recent).to.have.length(3);
    expect(matches(await valid<SearchBundle>(client.search({ resourceType: 'Observation', searchParams: { patient: patient.patientId, _lastUpdated: 'lt2000' } })))).to.deep.equal([]);
    const one = matches(await valid<SearchBundle>(client.search({ resourceType: 'Observation', searchParams: { _id: recent[1].id! } })));
    expect(one.map((r) => r.id)).to.deep.equal([recent[1].id]);
    const sorted = await valid<SearchBundle>(client.search({ resourceType: 'Observation', searchParams: { patient: patient.patientId, _sort: '-date' } }));
    expect(matches(sorted).map((r) => (r as { valueQuantity: { value: number } }).valueQuantity.value)).to.deep.equal([52, 51, 50]);
  });

  it('when a search has an unknown parameter, then a warning rides in the Bundle, or 400 with Prefer: handling=strict', async () => {
    const client = await admin();
    const lenient = await valid<SearchBundle>(client.search({ resourceType: 'Organization', searchParams: { colour: 'blue' } }));
    const outcome = lenient.entry!.find((e) => e.search?.mode === 'outcome')!.resource as { issue: Array<{ severity: string; diagnostics: string }> };
    expect(outcome.issue[0]).to.include({ severity: 'warning' });
    expect(outcome.issue[0].diagnostics).to.include('colour');
    const strict = await failureOf(client.search({ resourceType: 'Organization', searchParams: { colour: 'blue' }, options: { headers: { Prefer: 'handling=strict' } } }));
    expect(strict.status).to.equal(400);
    expect(strict.data.issue![0].details!.coding![0].code).to.equal('unknown-search-parameter');
  });

  it('when the same conditional create is sent twice, then one resource exists', async () => {
    const patient = await newPatient(hospital(), 'Conditional');
    const client = fhir.client(patient.token);
    const when = '2024-05-05T05:05:05Z';
    const criteria = `patient=${patient.patientId}&code=http://loinc.org|8867-4&date=${when}`;
    const first = await valid<Json>(client.create({ resourceType: 'Observation', body: heartRate(patient.patientId, 70, when) as never, options: { headers: { 'If-None-Exist': criteria } } }));
    const second = await valid<Json>(client.create({ resourceType: 'Observation', body: heartRate(patient.patientId, 70, when) as never, options: { headers: { 'If-None-Exist': criteria } } }));
    expect(responseOf(first).status).to.equal(201);
    expect(responseOf(second).status).to.equal(200);
    expect(second.id).to.equal(first.id);
    expect(await hospital().db.models.Observation.count({ where: { patientId: patient.patientId } })).to.equal(1);
  });

  it('when a transaction has one invalid entry, then nothing at all is written', async () => {
    const client = fhir.client((await newDoctor(hospital(), 'Atomic')).token);
    const { Patient, Observation } = hospital().db.models;
    const [patients, observations] = [await Patient.count(), await Observation.count()];
    const failure = await failureOf(client.transaction({
      body: {
        resourceType: 'Bundle', type: 'transaction', entry: [
          { fullUrl: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a', resource: { resourceType: 'Patient', name: [{ family: 'Atomic', given: ['Ann'] }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: { ...heartRate('x', 70), subject: { reference: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a' } }, request: { method: 'POST', url: 'Observation' } },
          { resource: { ...heartRate('x', 70), status: 'not-a-status', subject: { reference: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a' } }, request: { method: 'POST', url: 'Observation' } },
        ],
      } as never,
    }));
    expect(failure.status).to.equal(400);
    expectValidR4(failure.data);
    expect(await Patient.count()).to.equal(patients);
    expect(await Observation.count()).to.equal(observations);
  });

  it('when a transaction creates a Patient and Observations by urn:uuid, then the references point at the new Patient', async () => {
    const client = fhir.client((await newDoctor(hospital(), 'Linking')).token);
    const uuid = 'urn:uuid:0c3f7a3e-9d2a-4c59-a1de-3b0c8e3f9a10';
    const response = await valid<{ type: string; entry: Array<{ response: { status: string; location: string } }> }>(client.transaction({
      body: {
        resourceType: 'Bundle', type: 'transaction', entry: [
          { resource: { ...heartRate('x', 64), subject: { reference: uuid } }, request: { method: 'POST', url: 'Observation' } },
          { fullUrl: uuid, resource: { resourceType: 'Patient', name: [{ family: 'Linked', given: ['Lin'] }], gender: 'female' }, request: { method: 'POST', url: 'Patient' } },
        ],
      } as never,
    }));
    expect(response.type).to.equal('transaction-response');
    expect(response.entry.map((e) => e.response.status)).to.deep.equal(['201 Created', '201 Created']);
    const patientId = /^Patient\/([^/]+)/.exec(response.entry[1].response.location)![1];
    const observationId = /^Observation\/([^/]+)/.exec(response.entry[0].response.location)![1];
    expect((await hospital().db.models.Observation.findByPk(observationId, { rejectOnEmpty: true })).patientId).to.equal(patientId);
  });

  it('when a batch has one bad entry, then the others still happen and that entry carries its OperationOutcome', async () => {
    const patient = await newPatient(hospital(), 'Batched');
    const client = fhir.client(patient.token);
    const response = await valid<{ type: string; entry: Array<{ response: { status: string; outcome?: unknown } }> }>(client.batch({
      body: {
        resourceType: 'Bundle', type: 'batch', entry: [
          { resource: heartRate(patient.patientId, 70), request: { method: 'POST', url: 'Observation' } },
          { request: { method: 'GET', url: `Patient/${patient.patientId}` } },
          { request: { method: 'GET', url: 'Observation/no-such-observation' } },
        ],
      } as never,
    }));
    expect(response.type).to.equal('batch-response');
    expect(response.entry.map((e) => e.response.status)).to.deep.equal(['201 Created', '200 OK', '404']);
  });

  it('when a patient token searches Observations, then it sees only its own, even when it names another patient', async () => {
    const mine = await newPatient(hospital(), 'Mine');
    const theirs = await newPatient(hospital(), 'Theirs');
    const other = await fhir.client(theirs.token).create({ resourceType: 'Observation', body: heartRate(theirs.patientId, 88) as never }) as Json;
    await fhir.client(mine.token).create({ resourceType: 'Observation', body: heartRate(mine.patientId, 66) as never });
    const client = fhir.client(mine.token);
    const all = matches(await valid<SearchBundle>(client.search({ resourceType: 'Observation', searchParams: {} })));
    expect(all.length).to.be.greaterThan(0);
    for (const obs of all) expect((obs as { subject: { reference: string } }).subject.reference).to.equal(`Patient/${mine.patientId}`);
    expect(matches(await valid<SearchBundle>(client.search({ resourceType: 'Observation', searchParams: { patient: theirs.patientId } })))).to.deep.equal([]);
    const refused = await failureOf(client.read({ resourceType: 'Observation', id: other.id! }));
    expect(refused.status).to.equal(404);
    expect(JSON.stringify(refused.data)).to.not.include('"value":88'); // the 404 names the id, which may contain 88
    const doctor = await newDoctor(hospital(), 'Compartment');
    await recordInPersonVisit(hospital(), mine.patientId, doctor.practitionerId);
    const doctorSees = matches(await valid<SearchBundle>(fhir.client(doctor.token).search({ resourceType: 'Observation', searchParams: {} })));
    expect(new Set(doctorSees.map((o) => (o as { subject: { reference: string } }).subject.reference))).to.deep.equal(new Set([`Patient/${mine.patientId}`]));
  });

  it('when a patient writes an Observation for someone else, then 403 and nothing is stored', async () => {
    const mallory = await newPatient(hospital(), 'Mallory');
    const victim = await newPatient(hospital(), 'Victim');
    const failure = await failureOf(fhir.client(mallory.token).create({ resourceType: 'Observation', body: heartRate(victim.patientId, 200) as never }));
    expect(failure.status).to.equal(403);
    expect(await hospital().db.models.Observation.count({ where: { patientId: victim.patientId } })).to.equal(0);
    const audit = await hospital().db.models.AuditEvent.findOne({ where: { actorUserId: mallory.userId, activity: 'refused' } });
    expect(audit?.patientId).to.equal(victim.patientId);
  });

  it('when a token lacks the scope, then 403 insufficient-scope', async () => {
    const patient = await newPatient(hospital(), 'Scoped');
    const narrow = await hospital().tokenFor(patient.email, 'patient/Observation.read');
    const failure = await failureOf(fhir.client(narrow).create({ resourceType: 'Observation', body: heartRate(patient.patientId, 70) as never }));
    expect(failure.status).to.equal(403);
    expect(failure.data.issue![0].details!.coding![0].code).to.equal('insufficient-scope');
  });

  it('when a resource is invalid R4, then 400 with issue.expression at the bad element; when we cannot store it, 422', async () => {
    const patient = await newPatient(hospital(), 'Invalid');
    const client = fhir.client(patient.token);
    const invalid = await failureOf(client.create({ resourceType: 'Observation', body: { ...heartRate(patient.patientId, 70), status: 'sort-of' } as never }));
    expect(invalid.status).to.equal(400);
    expectValidR4(invalid.data);
    expect(invalid.data.issue!.flatMap((i) => i.expression ?? [])).to.include('Observation.status');
    const unstorable = await failureOf(client.create({ resourceType: 'Observation', body: { ...heartRate(patient.patientId, 70), subject: { reference: 'Group/1' } } as never }));
    expect(unstorable.status).to.equal(422);
    expect(unstorable.data.issue!.flatMap((i) => i.expression ?? [])).to.include('Observation.subject.reference');
    const dangling = await failureOf(client.create({ resourceType: 'Observation', body: { ...heartRate(patient.patientId, 70), encounter: { reference: 'Encounter/no-such-visit' } } as never }));
    expect(dangling.status).to.equal(422);
    expect(dangling.data.issue![0].details!.coding![0].code).to.equal('unknown-reference');
  });

  it('when a clinical resource is deleted, then it becomes an entered-in-error version and its history stays', async () => {
    const patient = await newPatient(hospital(), 'Deleted');
    const doctor = await newDoctor(hospital(), 'Deleting');
    await recordInPersonVisit(hospital(), patient.patientId, doctor.practitionerId);
    const client = fhir.client(doctor.token);
    const obs = await client.create({ resourceType: 'Observation', body: heartRate(patient.patientId, 70) as never }) as Json;
    await client.delete({ resourceType: 'Observation', id: obs.id! });
    const after = await valid<Json & { status: string }>(fhir.client(patient.token).read({ resourceType: 'Observation', id: obs.id! }));
    expect(after.status).to.equal('entered-in-error');
    expect(after.meta?.versionId).to.equal('2');
    expect(await hospital().db.models.Observation.count({ where: { id: obs.id! } })).to.equal(1);
    const org = await failureOf(client.delete({ resourceType: 'Organization', id: 'anything' }));
    expect(org.status).to.equal(405);
  });

  it('when a search includes and revincludes references, then the referenced resources come along', async () => {
    const patient = await newPatient(hospital(), 'Included');
    const client = fhir.client(patient.token);
    await client.create({ resourceType: 'Observation', body: heartRate(patient.patientId, 70) as never });
    const withPatient = await valid<SearchBundle>(client.search({ resourceType: 'Observation', searchParams: { patient: patient.patientId, _include: 'Observation:patient' } }));
    expect(withPatient.entry!.filter((e) => e.search?.mode === 'include').map((e) => e.resource.id)).to.deep.equal([patient.patientId]);
    const withObservations = await valid<SearchBundle>(client.search({ resourceType: 'Patient', searchParams: { _id: patient.patientId, _revinclude: 'Observation:patient' } }));
    expect(withObservations.entry!.filter((e) => e.search?.mode === 'include').map((e) => e.resource.resourceType)).to.deep.equal(['Observation']);
  });

  it('when a client searches with POST _search, then the answer equals the GET search and one audit event is written', async () => {
    const patient = await newPatient(hospital(), 'Posted');
    const client: Client = fhir.client(patient.token);
    await client.create({ resourceType: 'Observation', body: heartRate(patient.patientId, 70) as never });
    const before = await hospital().db.models.AuditEvent.count({ where: { actorUserId: patient.userId, activity: 'search' } });
    const posted = await valid<SearchBundle>(client.search({ resourceType: 'Observation', searchParams: { code: '8867-4' }, options: { postSearch: true } }));
    expect(matches(posted)).to.have.length(1);
    expect(await hospital().db.models.AuditEvent.count({ where: { actorUserId: patient.userId, activity: 'search' } })).to.equal(before + 1);
  });

  it('when every served type is read and searched by an admin (administrative types) or a doctor (clinical), then each resource is valid R4', async () => {
    const admin_ = await admin();
    const doctor = fhir.client(await hospital().tokenFor('dr.chen@demo.test'));
    for (const type of ['Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Coverage', 'Condition', 'Encounter', 'Observation', 'AuditEvent']) {
      const client = ['Condition', 'Encounter', 'Observation'].includes(type) ? doctor : admin_;
      const bundle = await valid<SearchBundle>(client.search({ resourceType: type, searchParams: { _count: 5 } }));
      const first = matches(bundle)[0];
      expect(first, `a ${type}`).to.not.equal(undefined);
      await valid(client.read({ resourceType: type, id: first.id! }));
    }
  });

  it('when a client asks for XML, then 406; without a token, then 401 as an OperationOutcome', async () => {
    const token = await hospital().tokenFor('admin@demo.test');
    await request(hospital().app).get('/fhir/Patient?_format=xml').auth(token, { type: 'bearer' }).expect(406);
    const res = await request(hospital().app).get('/fhir/Patient').expect(401);
    expect(res.body.resourceType).to.equal('OperationOutcome');
  });

  it('when an AuditEvent id has letters after its digits, then it is not found (MySQL would compare it as the number)', async () => {
    const token = await hospital().tokenFor('admin@demo.test');
    const [first] = await hospital().db.models.AuditEvent.findAll({ limit: 1, order: [['id', 'ASC']] });
    await request(hospital().app).get(`/fhir/AuditEvent/${first.id}`).auth(token, { type: 'bearer' }).expect(200);
    const res = await request(hospital().app).get(`/fhir/AuditEvent/${first.id}fcd-0b9e`).auth(token, { type: 'bearer' }).expect(404);
    expect(res.body.resourceType).to.equal('OperationOutcome');
  });
});
