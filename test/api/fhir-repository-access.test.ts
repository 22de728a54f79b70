import { expect } from 'chai';
import { Op, QueryTypes } from 'sequelize';
import request from 'supertest';
import type { Caller } from '../../server/auth/caller.js';
import { assertRowAccess, assertTypeAccess, compartmentWhere } from '../../server/fhir/access.js';
import { definitionOf, type FhirContext } from '../../server/fhir/registry.js';
import { assertResourceAccess, assertTypeReach, searchAccessSql } from '../../server/fhir/repository/access-rule.js';
import { newCommunityPharmacist, newDoctor, newPatient, recordInPersonVisit } from '../support/factories.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

type Json = Record<string, unknown>;

const documentFor = (patientId: string): Json => ({
  resourceType: 'DocumentReference', status: 'current', subject: { reference: `Patient/${patientId}` },
  description: 'Discharge letter', content: [{ attachment: { contentType: 'text/plain', data: 'aGVsbG8=' } }],
});
const medication: Json = { resourceType: 'Medication', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361' }], text: 'Amlodipine 5 mg' } };

/** What the repository holds about one resource: its rows, its versions and its audit events. */
async function footprint(node: TestNode, type: string, id: string) {
  const m = node.db.models;
  return {
    rows: await m.FhirResource.count({ where: { resourceType: type, id } }),
    versions: await m.ResourceVersion.count({ where: { resourceType: type, resourceId: id } }),
    writeAudits: await m.AuditEvent.count({ where: { resourceType: type, resourceId: id, action: { [Op.in]: ['C', 'U', 'D'] }, outcome: '0' } }),
  };
}

describeOnEachDatabase('FHIR repository: one access rule for a row and a search', (hospital) => {
  let patient: { token: string; patientId: string };
  let other: { token: string; patientId: string };
  let doctor: { token: string; practitionerId: string };
  let stranger: { token: string };
  let pharmacist: { token: string };
  let insurer: string;
  let admin: string;
  before(async () => {
    patient = await newPatient(hospital(), 'Owner');
    other = await newPatient(hospital(), 'Other');
    doctor = await newDoctor(hospital(), 'Carer');
    stranger = await newDoctor(hospital(), 'Stranger');
    pharmacist = await newCommunityPharmacist(hospital());
    await recordInPersonVisit(hospital(), patient.patientId, doctor.practitionerId);
    insurer = await hospital().tokenFor('insurer@demo.test');
    admin = await hospital().tokenFor('admin@demo.test');
  });
  const call = (token: string) => ({
    get: (path: string) => request(hospital().app).get(path).auth(token, { type: 'bearer' }),
    post: (path: string, body: Json) => request(hospital().app).post(path).auth(token, { type: 'bearer' }).send(body),
  });
  const matchIds = (res: request.Response) => ((res.body.entry ?? []) as Array<{ resource: { id: string } }>).map((e) => e.resource.id);

  it('when a compartment resource is read and searched, then the patient and their doctor see it, a stranger, another patient, a pharmacist, an insurer and an admin do not', async () => {
    const created = await call(doctor.token).post('/fhir/DocumentReference', documentFor(patient.patientId)).expect(201);
    const id = created.body.id as string;
    const cases: Array<[string, string, number]> = [
      ['patient', patient.token, 200], ['their doctor', doctor.token, 200], ['a doctor without care', stranger.token, 404],
      ['another patient', other.token, 404], ['a pharmacist', pharmacist.token, 403], ['an admin', admin, 403],
      // An insurer reaches clinical types only as an open claim's evidence (test/api/billing-insurer-access.test.ts): this is none.
      ['an insurer', insurer, 404],
    ];
    for (const [who, token, status] of cases) {
      const read = await call(token).get(`/fhir/DocumentReference/${id}`);
      expect(read.status, `${who} reads`).to.equal(status);
      const found = await call(token).get(`/fhir/DocumentReference?_id=${id}`);
      expect(found.status, `${who} searches`).to.equal(status === 404 ? 200 : status);
      if (found.status === 200) expect(matchIds(found), `${who} searches`).to.deep.equal(status === 200 ? [id] : []);
    }
  });

  it('when someone writes a compartment resource, then only those caring for every patient it names may, and a patient only for themself', async () => {
    await call(patient.token).post('/fhir/DocumentReference', documentFor(patient.patientId)).expect(201);
    const refused: Array<[string, string, number, string]> = [
      ['a doctor without care', stranger.token, 403, 'not-your-patient'], ['another patient', other.token, 403, 'not-your-patient'],
      ['a pharmacist', pharmacist.token, 403, 'wrong-role'], ['an insurer', insurer, 403, 'wrong-role'],
    ];
    for (const [who, token, status, code] of refused) {
      const res = await call(token).post('/fhir/DocumentReference', documentFor(patient.patientId));
      expect([res.status, res.body.issue?.[0]?.details?.coding?.[0]?.code], who).to.deep.equal([status, code]);
    }
    const both = { ...documentFor(other.patientId), author: [{ reference: `Patient/${patient.patientId}` }] };
    expect((await call(doctor.token).post('/fhir/DocumentReference', both)).status, 'naming a patient outside care').to.equal(403);
    const noPatient = { ...documentFor(patient.patientId) };
    delete noPatient.subject;
    expect((await call(patient.token).post('/fhir/DocumentReference', noPatient)).body.issue[0].details.coding[0].code).to.equal('names-no-patient');
  });

  it('when insurers read claims, then they see their members\' and not another patient\'s', async () => {
    const alice = await hospital().db.models.Patient.findOne({ where: { givenName: 'Alice' }, rejectOnEmpty: true });
    const claim = (patientId: string): Json => ({
      resourceType: 'Claim', status: 'active', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
      use: 'claim', patient: { reference: `Patient/${patientId}` }, created: '2024-05-01', provider: { display: 'Demo Hospital' },
      priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
      insurance: [{ sequence: 1, focal: true, coverage: { display: 'Demo Health' } }],
    });
    const member = (await call(admin).post('/fhir/Claim', claim(alice.id)).expect(201)).body.id as string;
    const outsider = (await call(admin).post('/fhir/Claim', claim(other.patientId)).expect(201)).body.id as string;
    await call(insurer).get(`/fhir/Claim/${member}`).expect(200);
    await call(insurer).get(`/fhir/Claim/${outsider}`).expect(404);
    const found = matchIds(await call(insurer).get(`/fhir/Claim?_id=${member},${outsider}`).expect(200));
    expect(found).to.deep.equal([member]);
  });

  it('when a resource outside the compartment is used, then every signed-in role reads it and only doctors and admins write it', async () => {
    const id = (await call(doctor.token).post('/fhir/Medication', medication).expect(201)).body.id as string;
    for (const [who, token] of [['patient', patient.token], ['pharmacist', pharmacist.token], ['insurer', insurer], ['admin', admin], ['stranger', stranger.token]]) {
      await call(token).get(`/fhir/Medication/${id}`).expect(200);
      expect(matchIds(await call(token).get(`/fhir/Medication?_id=${id}`).expect(200)), who).to.deep.equal([id]);
    }
    await call(admin).post('/fhir/Medication', medication).expect(201);
    for (const token of [patient.token, pharmacist.token, insurer]) {
      const res = await call(token).post('/fhir/Medication', medication).expect(403);
      expect(res.body.issue[0].details.coding[0].code).to.equal('wrong-role');
    }
    await request(hospital().app).get(`/fhir/Medication/${id}`).expect(401);
  });

  it('when writes succeed, then each leaves exactly one version and one audit event; when one fails, it leaves nothing', async () => {
    const as = call(doctor.token);
    const created = await as.post('/fhir/DocumentReference', documentFor(patient.patientId)).expect(201);
    const id = created.body.id as string;
    expect(await footprint(hospital(), 'DocumentReference', id)).to.deep.equal({ rows: 1, versions: 1, writeAudits: 1 });
    const put = (body: Json, ifMatch?: string) => {
      const r = request(hospital().app).put(`/fhir/DocumentReference/${id}`).auth(doctor.token, { type: 'bearer' });
      return (ifMatch ? r.set('If-Match', ifMatch) : r).send(body);
    };
    await put({ ...documentFor(patient.patientId), id, description: 'Corrected letter' }, 'W/"1"').expect(200);
    expect(await footprint(hospital(), 'DocumentReference', id)).to.deep.equal({ rows: 1, versions: 2, writeAudits: 2 });
    // A stale If-Match, an invalid body and a patient outside care: each refused, nothing written.
    expect((await put({ ...documentFor(patient.patientId), id }, 'W/"1"')).status).to.equal(412);
    expect((await put({ ...documentFor(patient.patientId), id, status: 'nonsense' })).status).to.equal(400);
    expect((await put({ ...documentFor(other.patientId), id })).status).to.equal(403);
    expect(await footprint(hospital(), 'DocumentReference', id)).to.deep.equal({ rows: 1, versions: 2, writeAudits: 2 });
    const rejected = await as.post('/fhir/DocumentReference', { ...documentFor(patient.patientId), status: 'nonsense' }).expect(400);
    expect(rejected.body.resourceType).to.equal('OperationOutcome');
    expect(await hospital().db.models.FhirResource.count({ where: { content: { [Op.like]: '%nonsense%' } } })).to.equal(0);
    await request(hospital().app).delete(`/fhir/DocumentReference/${id}`).auth(doctor.token, { type: 'bearer' }).expect(204);
    expect(await footprint(hospital(), 'DocumentReference', id)).to.deep.equal({ rows: 1, versions: 3, writeAudits: 3 });
    await as.get(`/fhir/DocumentReference/${id}`).expect(410);
    await call(stranger.token).get(`/fhir/DocumentReference/${id}`).expect(404);
    expect(matchIds(await as.get(`/fhir/DocumentReference?_id=${id}`).expect(200))).to.deep.equal([]);
    const history = await as.get(`/fhir/DocumentReference/${id}/_history`).expect(200);
    expect(history.body.entry.map((e: { request: { method: string } }) => e.request.method)).to.deep.equal(['DELETE', 'PUT', 'POST']);
    await as.get(`/fhir/DocumentReference/${id}/_history/1`).expect(200);
    await as.get(`/fhir/DocumentReference/${id}/_history/3`).expect(410);
  });

  it('when a transaction Bundle fails on its last entry, then none of its resources, versions or audit events is stored', async () => {
    const bundle = {
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:5b7e6c1e-1f0a-4c55-9f38-0a6f8f1d2c01', resource: { ...medication, code: { text: 'Bundle-only drug' } }, request: { method: 'POST', url: 'Medication' } },
        { resource: documentFor(patient.patientId), request: { method: 'POST', url: 'DocumentReference' } },
        { resource: { ...documentFor(patient.patientId), id: 'no-such-document' }, request: { method: 'PUT', url: 'DocumentReference/no-such-document' } },
      ],
    };
    const before = await hospital().db.models.FhirResource.count();
    const versionsBefore = await hospital().db.models.ResourceVersion.count();
    const creationsBefore = await hospital().db.models.AuditEvent.count({ where: { action: 'C' } });
    const res = await request(hospital().app).post('/fhir').auth(doctor.token, { type: 'bearer' }).send(bundle);
    expect(res.status).to.equal(404);
    expect(await hospital().db.models.FhirResource.count()).to.equal(before);
    expect(await hospital().db.models.ResourceVersion.count()).to.equal(versionsBefore);
    expect(await hospital().db.models.AuditEvent.count({ where: { action: 'C' } })).to.equal(creationsBefore);
    const drug = await hospital().db.models.FhirResource.count({ where: { content: { [Op.like]: '%Bundle-only drug%' } } });
    expect(drug).to.equal(0);
  });

  /**
   * The one access rule (server/auth/access-rule.ts) yields the row check and the search filter. For each role and
   * each kind of record, what the row check allows is exactly what the search finds: in the repository (a
   * compartment type, one naming no patient, a type outside the compartment) and on a domain table (Observation),
   * and /api answers the same as the domain row check.
   */
  it('when the one access rule decides, then for every role the row check and the search agree, and say what the table below says', async () => {
    const { db, app } = hospital();
    const users = db.models.User;
    const userOf = async (role: string) => (await users.findOne({ where: { role }, order: [['createdAt', 'ASC']], rejectOnEmpty: true }));
    const caller = (role: Caller['role'], ids: Partial<Caller> = {}): Caller => ({
      ip: null, requestId: 'access-rule', userId: `u-${role}`, role, patientId: null, practitionerId: null, organizationId: null,
      scopes: ['user/*.read', 'user/*.write'], ...ids,
    });
    const strangerDoctor = await newDoctor(hospital(), 'NoCare');
    const callers: Record<string, Caller> = {
      patient: caller('patient', { patientId: patient.patientId, scopes: ['patient/*.read', 'patient/*.write'] }),
      'doctor in care': caller('doctor', { practitionerId: doctor.practitionerId }),
      'doctor without care': caller('doctor', { practitionerId: strangerDoctor.practitionerId }),
      pharmacist: caller('pharmacist', { organizationId: (await userOf('pharmacist')).organizationId }),
      insurer: caller('insurer', { organizationId: (await userOf('insurer')).organizationId }),
      admin: caller('admin', { organizationId: (await userOf('admin')).organizationId }),
    };
    const noSubject = { ...documentFor(patient.patientId) };
    delete noSubject.subject;
    const stored = {
      'own document': (await call(doctor.token).post('/fhir/DocumentReference', documentFor(patient.patientId)).expect(201)).body as Json,
      "another's document": (await call(other.token).post('/fhir/DocumentReference', documentFor(other.patientId)).expect(201)).body as Json,
      'document about no patient': (await call(doctor.token).post('/fhir/DocumentReference', noSubject).expect(201)).body as Json,
      medication: (await call(doctor.token).post('/fhir/Medication', medication).expect(201)).body as Json,
    };
    const reading = { code: '29463-7', value: 70, unit: 'kg', effectiveAt: new Date().toISOString(), entryMethod: 'typed' };
    for (const who of [patient, other]) {
      await request(app).post(`/api/patients/${who.patientId}/readings`).auth(who.token, { type: 'bearer' }).send(reading).expect(201);
    }
    const observationOf = async (patientId: string) => (await db.models.Observation.findOne({ where: { patientId }, rejectOnEmpty: true })).get('id') as string;
    const observations = { 'own reading': [patient.patientId, await observationOf(patient.patientId)], "another's reading": [other.patientId, await observationOf(other.patientId)] };

    const passes = async (check: () => unknown) => { try { await check(); return true; } catch { return false; } };
    const seen: Record<string, string[]> = {};
    const disagreements: string[] = [];
    for (const [who, c] of Object.entries(callers)) {
      const ctx: FhirContext = { db, caller: c, config: hospital().config, baseUrl: `${hospital().config.publicBaseUrl}/fhir` };
      seen[who] = [];
      for (const [what, resource] of Object.entries(stored)) {
        const type = String(resource.resourceType);
        const row = await passes(() => assertResourceAccess(ctx, resource as never, 'read', String(resource.id)));
        const search = await passes(() => assertTypeReach(ctx, type, 'read')) && (await db.sequelize.query(
          `SELECT r.id FROM fhir_resources r WHERE r.resourceType = ? AND r.id = ?${searchAccessSql(ctx, type) ? ` AND ${searchAccessSql(ctx, type)}` : ''}`,
          { replacements: [type, String(resource.id)], type: QueryTypes.SELECT },
        )).length === 1;
        if (row !== search) disagreements.push(`${who} on ${what}: row ${row}, search ${search}`);
        if (row) seen[who].push(what);
      }
      const definition = definitionOf('Observation')!;
      for (const [what, [patientId, id]] of Object.entries(observations)) {
        const row = await passes(() => assertRowAccess(ctx, definition, patientId, 'read', id));
        const where = await passes(() => assertTypeAccess(ctx, definition, 'read')) ? compartmentWhere(ctx, definition) : { id: null };
        const search = (await db.models.Observation.count({ where: { [Op.and]: [{ id }, ...(where ? [where] : [])] } })) === 1;
        if (row !== search) disagreements.push(`${who} on ${what}: row ${row}, search ${search}`);
        if (row) seen[who].push(what);
      }
    }
    expect(disagreements).to.deep.equal([]);
    expect(seen).to.deep.equal({
      patient: ['own document', 'medication', 'own reading'],
      'doctor in care': ['own document', 'document about no patient', 'medication', 'own reading'],
      'doctor without care': ['document about no patient', 'medication'],
      pharmacist: ['medication'],
      insurer: ['medication'],
      admin: ['medication'],
    });
    // /api asks the same rule: the readings of a patient in care are read, others' are not.
    await request(app).get(`/api/patients/${patient.patientId}/readings`).auth(doctor.token, { type: 'bearer' }).expect(200);
    await request(app).get(`/api/patients/${other.patientId}/readings`).auth(doctor.token, { type: 'bearer' }).expect(404);
  });
});
