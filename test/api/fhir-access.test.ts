import { expect } from 'chai';
import request from 'supertest';
import { newDoctor, newPatient } from '../support/factories.js';
import { heartRate } from '../support/fhir.js';
import { expectValidR4 } from '../support/fhir-validator.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('FHIR API: concurrency and the audit trail', (hospital) => {
  const fhirJson = (body: unknown) => JSON.stringify(body);

  it('when 30 clients update the same version at once with If-Match, then exactly one wins and the rest get 412', async () => {
    const patient = await newPatient(hospital(), 'Raced');
    const app = hospital().app;
    const created = await request(app).post('/fhir/Observation').auth(patient.token, { type: 'bearer' })
      .set('Content-Type', 'application/fhir+json').send(fhirJson(heartRate(patient.patientId, 70))).expect(201);
    const server = app.listen(0);
    try {
      const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => request(server).put(`/fhir/Observation/${created.body.id}`)
        .auth(patient.token, { type: 'bearer' }).set('Content-Type', 'application/fhir+json').set('If-Match', 'W/"1"')
        .send(fhirJson({ ...heartRate(patient.patientId, 100 + i), id: created.body.id })).then((r) => r.status)));
      expect(statuses.filter((s) => s === 200)).to.have.length(1);
      expect(statuses.filter((s) => s === 412)).to.have.length(29);
    } finally {
      server.close();
    }
    const stored = await hospital().db.models.Observation.findByPk(created.body.id, { rejectOnEmpty: true });
    expect(stored.versionId).to.equal(2);
    expect(await hospital().db.models.ResourceVersion.count({ where: { resourceId: created.body.id } })).to.equal(2);
  });

  it('when a patient searches AuditEvent, then they see only events about their own records; a doctor gets 403', async () => {
    const patient = await newPatient(hospital(), 'Watched');
    await request(hospital().app).get(`/fhir/Patient/${patient.patientId}`).auth(patient.token, { type: 'bearer' }).expect(200);
    const bundle = await request(hospital().app).get('/fhir/AuditEvent?_count=100').auth(patient.token, { type: 'bearer' }).expect(200);
    expectValidR4(bundle.body);
    expect(bundle.body.entry.length).to.be.greaterThan(0);
    for (const { resource } of bundle.body.entry) {
      const refs = (resource.entity ?? []).map((e: { what: { reference?: string } }) => e.what.reference);
      expect(refs).to.include(`Patient/${patient.patientId}`);
    }
    const doctor = await newDoctor(hospital(), 'Curious');
    const refused = await request(hospital().app).get('/fhir/AuditEvent').auth(doctor.token, { type: 'bearer' }).expect(403);
    expect(refused.body.issue[0].details.coding[0].code).to.equal('wrong-role');
  });

  it('when a resource is read through /fhir, then one audit event names the reader, the resource and the patient', async () => {
    const patient = await newPatient(hospital(), 'ReadAudit');
    await request(hospital().app).get(`/fhir/Patient/${patient.patientId}`).auth(patient.token, { type: 'bearer' })
      .set('X-Request-Id', 'fhir-audit-read-0001').expect(200);
    const events = await hospital().db.models.AuditEvent.findAll({ where: { requestId: 'fhir-audit-read-0001' }, raw: true });
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ action: 'R', activity: 'read', resourceType: 'Patient', resourceId: patient.patientId, patientId: patient.patientId, actorUserId: patient.userId });
  });

  it('when a transaction or batch Bundle writes another patient\'s record, then it is refused and the refusal is audited once', async () => {
    const patient = await newPatient(hospital(), 'BundleSelf');
    const other = await newPatient(hospital(), 'BundleOther');
    const entry = { resource: heartRate(other.patientId, 70), request: { method: 'POST', url: 'Observation' } };
    for (const type of ['transaction', 'batch'] as const) {
      const requestId = `fhir-audit-bundle-${type}`;
      const res = await request(hospital().app).post('/fhir').auth(patient.token, { type: 'bearer' }).set('X-Request-Id', requestId)
        .set('Content-Type', 'application/fhir+json').send(fhirJson({ resourceType: 'Bundle', type, entry: [entry] }));
      expect(res.status).to.equal(type === 'transaction' ? 403 : 200);
      const refusals = await hospital().db.models.AuditEvent.count({ where: { requestId, outcome: '4' } });
      expect(refusals, type).to.equal(1);
    }
    expect(await hospital().db.models.Observation.count({ where: { patientId: other.patientId } })).to.equal(0);
  });
});
