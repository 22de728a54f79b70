import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { newDoctor, newPatient, recordInPersonVisit, recorded } from '../support/factories.js';
import { registerResource, unregisterResource, type Row } from '../../server/fhir/registry.js';
import { heartRate } from '../support/fhir.js';
import { expectValidR4 } from '../support/fhir-validator.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

const PARTNER = 'https://partner.example.test/fhir/Condition/c-77';

/** A patient with a doctor's visit, an Observation of their own, a local and an imported Condition. */
async function patientWithRecords(hospital: TestNode, name: string) {
  const patient = await newPatient(hospital, name);
  const doctor = await newDoctor(hospital, `Of${name}`);
  const visit = await recordInPersonVisit(hospital, patient.patientId, doctor.practitionerId);
  const observation = await request(hospital.app).post('/fhir/Observation').auth(patient.token, { type: 'bearer' })
    .set('Content-Type', 'application/fhir+json').send(JSON.stringify(heartRate(patient.patientId, 72))).expect(201);
  const condition = async (source: string | null) => recorded(hospital, 'Condition', await hospital.db.models.Condition.create({
    id: crypto.randomUUID(), patientId: patient.patientId, encounterId: source ? null : visit.id, recorderId: null,
    codeSystem: 'http://hl7.org/fhir/sid/icd-10', code: 'I10', display: 'Essential (primary) hypertension',
    clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2024-01-10', recordedAt: new Date(), source,
  }));
  const local = await condition(null);
  const imported = await condition(PARTNER);
  return {
    ...patient, doctor,
    records: [`Patient/${patient.patientId}`, `Encounter/${visit.id}`, `Observation/${String(observation.body.id)}`,
      `Condition/${local.id}`, `Condition/${imported.id}`],
    importedId: imported.id,
  };
}

type Entry = { fullUrl: string; resource: { resourceType: string; id: string; meta?: { source?: string }; subject?: { reference?: string } } };
const refsOf = (bundle: { entry?: Entry[] }) => (bundle.entry ?? []).map((e) => `${e.resource.resourceType}/${e.resource.id}`);

describeOnEachDatabase('FHIR Patient/$everything: the patient downloads all of their records', (hospital) => {
  it('when a patient asks for $everything, then the searchset holds exactly their records, imported ones with meta.source, all valid R4', async () => {
    const alice = await patientWithRecords(hospital(), 'Everyone');
    const other = await patientWithRecords(hospital(), 'Someone');
    const res = await request(hospital().app).get(`/fhir/Patient/${alice.patientId}/$everything`).auth(alice.token, { type: 'bearer' }).expect(200);
    expect(res.type).to.equal('application/fhir+json');
    expect(res.body).to.include({ resourceType: 'Bundle', type: 'searchset' });
    expectValidR4(res.body);
    for (const entry of res.body.entry as Entry[]) expectValidR4(entry.resource);
    const refs = refsOf(res.body);
    expect(refs[0]).to.equal(`Patient/${alice.patientId}`);
    expect(refs).to.include.members(alice.records);
    // Nothing of the other patient; besides the records above only the audit trail of Alice's own records.
    for (const ref of other.records) expect(refs).not.to.include(ref);
    expect(refs.filter((r) => !alice.records.includes(r)).every((r) => r.startsWith('AuditEvent/'))).to.equal(true);
    expect(JSON.stringify(res.body)).not.to.contain(other.patientId);
    const imported = (res.body.entry as Entry[]).find((e) => e.resource.id === alice.importedId);
    expect(imported?.resource.meta?.source).to.equal(PARTNER);
  });

  it('when the doctor has recorded resources the repository stores (Immunization, CarePlan), then $everything holds them too, deleted and other patients\' ones left out', async () => {
    const alice = await patientWithRecords(hospital(), 'Immunised');
    const other = await patientWithRecords(hospital(), 'Elsewhere');
    const record = async (who: typeof alice, resource: Record<string, unknown>) => (await request(hospital().app).post(`/fhir/${String(resource.resourceType)}`)
      .auth(who.doctor.token, { type: 'bearer' }).set('Content-Type', 'application/fhir+json').send(resource).expect(201)).body as { resourceType: string; id: string };
    const immunization = (who: typeof alice) => ({
      resourceType: 'Immunization', status: 'completed', patient: { reference: `Patient/${who.patientId}` }, occurrenceDateTime: '2024-10-01',
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140', display: 'Influenza, seasonal, injectable, preservative free' }] },
    });
    const kept = [await record(alice, immunization(alice)),
      await record(alice, { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: `Patient/${alice.patientId}` } })];
    const deleted = await record(alice, immunization(alice));
    await request(hospital().app).delete(`/fhir/Immunization/${deleted.id}`).auth(alice.doctor.token, { type: 'bearer' }).expect(204);
    const others = await record(other, immunization(other));
    const url = `/fhir/Patient/${alice.patientId}/$everything`;
    const all = await request(hospital().app).get(url).auth(alice.token, { type: 'bearer' }).expect(200);
    expectValidR4(all.body);
    const refs = refsOf(all.body);
    expect(refs).to.include.members([...alice.records, ...kept.map((r) => `${r.resourceType}/${r.id}`)]);
    expect(refs).not.to.include.members([`Immunization/${deleted.id}`]);
    expect(refs).not.to.include.members([`Immunization/${others.id}`]);
    expect(all.body.total).to.equal(refs.length);
    const typed = await request(hospital().app).get(`${url}?_type=Immunization`).auth(alice.token, { type: 'bearer' }).expect(200);
    expect(refsOf(typed.body)).to.deep.equal([`Immunization/${kept[0].id}`]);
    const future = await request(hospital().app).get(url).query({ _since: new Date(Date.now() + 3_600_000).toISOString(), _type: 'Immunization,CarePlan' })
      .auth(alice.token, { type: 'bearer' }).expect(200);
    expect(refsOf(future.body)).to.deep.equal([]);
    const past = await request(hospital().app).get(url).query({ _since: '2000-01-01T00:00:00Z', _type: 'CarePlan' }).auth(alice.token, { type: 'bearer' }).expect(200);
    expect(refsOf(past.body)).to.deep.equal([`CarePlan/${kept[1].id}`]);
  });

  it('when _type names some types, then only those come back; an unknown type is 400', async () => {
    const alice = await patientWithRecords(hospital(), 'Typed');
    const res = await request(hospital().app).get(`/fhir/Patient/${alice.patientId}/$everything?_type=Condition,Observation`)
      .auth(alice.token, { type: 'bearer' }).expect(200);
    expectValidR4(res.body);
    expect(refsOf(res.body)).to.have.members(alice.records.filter((r) => /^(Condition|Observation)\//.test(r)));
    const bad = await request(hospital().app).get(`/fhir/Patient/${alice.patientId}/$everything?_type=Practitioner`)
      .auth(alice.token, { type: 'bearer' }).expect(400);
    expect(bad.body.issue[0].details.coding[0].code).to.equal('unknown-resource-type');
  });

  it('when _since is in the future, then nothing comes back; when it is in the past, everything does', async () => {
    const alice = await patientWithRecords(hospital(), 'Since');
    const url = `/fhir/Patient/${alice.patientId}/$everything`;
    const future = await request(hospital().app).get(url).query({ _since: new Date(Date.now() + 3_600_000).toISOString() })
      .auth(alice.token, { type: 'bearer' }).expect(200);
    expect(future.body.entry ?? []).to.have.length(0);
    const past = await request(hospital().app).get(url).query({ _since: '2000-01-01T00:00:00Z', _type: 'Condition' })
      .auth(alice.token, { type: 'bearer' }).expect(200);
    expect(refsOf(past.body)).to.have.length(2);
    await request(hospital().app).get(url).query({ _since: 'yesterday' }).auth(alice.token, { type: 'bearer' }).expect(400);
  });

  it('when another patient asks for someone\'s $everything, then 404 as for a patient that does not exist, and the refusal is audited', async () => {
    const alice = await patientWithRecords(hospital(), 'Private');
    const mallory = await newPatient(hospital(), 'Nosy');
    const res = await request(hospital().app).get(`/fhir/Patient/${alice.patientId}/$everything`).auth(mallory.token, { type: 'bearer' }).expect(404);
    expect(res.body.issue[0].details.coding[0].code).to.equal('resource-not-found');
    const refusals = await hospital().db.models.AuditEvent.count({ where: { actorUserId: mallory.userId, patientId: alice.patientId, outcome: '4' } });
    expect(refusals).to.equal(1);
  });

  it('when the patient\'s doctor asks, then they get the records (not the audit trail, which doctors may not read)', async () => {
    const alice = await patientWithRecords(hospital(), 'Treated');
    const res = await request(hospital().app).get(`/fhir/Patient/${alice.patientId}/$everything`).auth(alice.doctor.token, { type: 'bearer' }).expect(200);
    expectValidR4(res.body);
    expect(refsOf(res.body)).to.have.members(alice.records);
    const stranger = await newDoctor(hospital(), 'Stranger');
    await request(hospital().app).get(`/fhir/Patient/${alice.patientId}/$everything`).auth(stranger.token, { type: 'bearer' }).expect(404);
  });

  it('when the export runs, then exactly one audit event records it', async () => {
    const alice = await patientWithRecords(hospital(), 'Audited');
    await request(hospital().app).get(`/fhir/Patient/${alice.patientId}/$everything`).auth(alice.token, { type: 'bearer' })
      .set('X-Request-Id', `everything-${alice.patientId}`).expect(200);
    const events = await hospital().db.models.AuditEvent.findAll({ where: { requestId: `everything-${alice.patientId}` }, raw: true });
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ action: 'E', activity: 'everything', resourceType: 'Patient', resourceId: alice.patientId, patientId: alice.patientId, actorUserId: alice.userId, outcome: '0' });
  });

  it('when a client reads the CapabilityStatement, then Patient lists the $everything operation', async () => {
    const metadata = await request(hospital().app).get('/fhir/metadata').expect(200);
    const patient = metadata.body.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
    expect(patient.operation).to.deep.include({
      name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
      documentation: 'The patient and every record of theirs this node serves (imported ones too); _since, _type',
    });
    expectValidR4(metadata.body);
  });

  it('when $everything is POSTed with a Parameters body, then its _type applies', async () => {
    const alice = await patientWithRecords(hospital(), 'Posted');
    const res = await request(hospital().app).post(`/fhir/Patient/${alice.patientId}/$everything`).auth(alice.token, { type: 'bearer' })
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'Encounter' }] })).expect(200);
    expect(refsOf(res.body)).to.deep.equal(alice.records.filter((r) => r.startsWith('Encounter/')));
  });

  describe('a compartment type plugged in later', () => {
    before(() => {
      registerResource({
        type: 'Flag',
        model: (db) => db.models.Condition,
        toResource: (row: Row) => ({
          resourceType: 'Flag', id: String(row.id), status: 'active', code: { text: String(row.display) },
          subject: { reference: `Patient/${String(row.patientId)}` },
        }),
        interactions: ['read'],
        patientColumn: 'patientId',
        searchParams: [],
      });
    });
    after(() => unregisterResource('Flag'));

    it('when a new type with a patientColumn is registered, then $everything includes its rows with no change to the operation', async () => {
      const alice = await patientWithRecords(hospital(), 'Flagged');
      const res = await request(hospital().app).get(`/fhir/Patient/${alice.patientId}/$everything?_type=Flag`)
        .auth(alice.token, { type: 'bearer' }).expect(200);
      expectValidR4(res.body);
      expect(refsOf(res.body)).to.have.members(alice.records.filter((r) => r.startsWith('Condition/')).map((r) => r.replace('Condition/', 'Flag/')));
    });
  });
});
