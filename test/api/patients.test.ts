import { expect } from 'chai';
import request from 'supertest';
import { newDoctor, newPatient, recordInPersonVisit, uniqueEmail } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('patient records and who may see them', (hospital) => {
  const readSummary = (token: string, patientId: string) =>
    request(hospital().app).get(`/api/patients/${patientId}`).auth(token, { type: 'bearer' });

  it('when someone registers as a patient, then they can sign in and read their own record', async () => {
    const email = uniqueEmail('carol');
    const res = await request(hospital().app).post('/api/patients').send({
      email, password: 'a strong passphrase', givenName: 'Carol', familyName: 'Jones', birthDate: '1970-02-03',
      timeZone: 'America/New_York',
    }).expect(201);
    expect(res.headers.location).to.equal(`/api/patients/${res.body.patientId}`);
    const token = (await request(hospital().app).post('/auth/token')
      .send({ grant_type: 'password', username: email, password: 'a strong passphrase' }).expect(200)).body.access_token;
    const summary = await readSummary(token, res.body.patientId).expect(200);
    expect(summary.body).to.include({ givenName: 'Carol', familyName: 'Jones', birthDate: '1970-02-03', timeZone: 'America/New_York' });
  });

  it('when the registration is invalid, then 400 names every bad field and nothing is stored', async () => {
    const before = await hospital().db.models.Patient.count();
    const res = await request(hospital().app).post('/api/patients')
      .send({ email: 'not-an-email', password: 'short', givenName: '', familyName: 'X', timeZone: 'Mars/Olympus' }).expect(400);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    const fields = res.body.errors.map((e: { expression: string }) => e.expression);
    expect(fields).to.include.members(['body.email', 'body.password', 'body.givenName', 'body.timeZone']);
    expect(await hospital().db.models.Patient.count()).to.equal(before);
  });

  it('when an email is already registered, then 409 and no second patient record is left behind', async () => {
    const existing = await newPatient(hospital(), 'Dup');
    const before = await hospital().db.models.Patient.count();
    const res = await request(hospital().app).post('/api/patients')
      .send({ email: existing.email, password: 'another passphrase', givenName: 'Dup', familyName: 'Again' }).expect(409);
    expect(res.body.code).to.equal('email-taken');
    expect(await hospital().db.models.Patient.count()).to.equal(before);
  });

  it('when a patient reads their record, then an audit event records who read what, when and from where', async () => {
    const alice = await hospital().db.models.User.findOne({ where: { email: 'alice@demo.test' }, rejectOnEmpty: true });
    const token = await hospital().tokenFor('alice@demo.test');
    const res = await readSummary(token, alice.patientId!).set('X-Request-Id', 'audit-check-0001').expect(200);
    expect(res.body.conditions.map((c: { code: string }) => c.code)).to.include('I10');
    const event = (await hospital().db.models.AuditEvent.findOne({ where: { requestId: 'audit-check-0001' }, rejectOnEmpty: true })).get({ plain: true });
    expect(event).to.include({
      action: 'R', activity: 'read', outcome: '0', actorUserId: alice.id, actorRole: 'patient',
      resourceType: 'Patient', resourceId: alice.patientId, patientId: alice.patientId,
    });
    expect(event.sourceIp).to.match(/127\.0\.0\.1/);
    expect(event.recordedAt).to.be.instanceOf(Date);
  });

  it("when a patient asks for another patient's record, then 404 as for a patient that does not exist, and the refusal is audited", async () => {
    const mallory = await newPatient(hospital(), 'Mallory');
    const victim = await newPatient(hospital(), 'Victim');
    const res = await readSummary(mallory.token, victim.patientId).set('X-Request-Id', 'audit-check-0002').expect(404);
    expect(res.body.code).to.equal('patient-not-found');
    expect(JSON.stringify(res.body)).to.not.include('Victim');
    const event = await hospital().db.models.AuditEvent.findOne({ where: { requestId: 'audit-check-0002' }, raw: true });
    expect(event).to.include({ outcome: '4', activity: 'refused', patientId: victim.patientId, actorUserId: mallory.userId });
  });

  it('when a doctor has seen the patient, then they may read the record; a doctor who has not gets 404', async () => {
    const patient = await newPatient(hospital(), 'Treated');
    const treating = await newDoctor(hospital(), 'Treating');
    const stranger = await newDoctor(hospital(), 'Stranger');
    await recordInPersonVisit(hospital(), patient.patientId, treating.practitionerId);
    await readSummary(treating.token, patient.patientId).expect(200);
    await readSummary(stranger.token, patient.patientId).expect(404);
  });

  it("when an insurer reads a member's record it is allowed; a non-member's is 404; a pharmacist gets 403", async () => {
    const alice = await hospital().db.models.User.findOne({ where: { email: 'alice@demo.test' }, rejectOnEmpty: true });
    const outsider = await newPatient(hospital(), 'Uninsured');
    const insurer = await hospital().tokenFor('insurer@demo.test');
    const member = await readSummary(insurer, alice.patientId!).expect(200);
    expect(member.body.coverages).to.have.length(1);
    await readSummary(insurer, outsider.patientId).expect(404);
    await readSummary(await hospital().tokenFor('pharm.li@demo.test'), alice.patientId!).expect(403);
  });

  it('when the token scope does not cover the resource, then 403 insufficient-scope even for the owner', async () => {
    const alice = await hospital().db.models.User.findOne({ where: { email: 'alice@demo.test' }, rejectOnEmpty: true });
    const narrow = await hospital().tokenFor('alice@demo.test', 'patient/Observation.read');
    const res = await readSummary(narrow, alice.patientId!).expect(403);
    expect(res.body.code).to.equal('insufficient-scope');
  });

  it('when a patient reads the access log, then they see only events about their own records; a doctor gets 403', async () => {
    const patient = await newPatient(hospital(), 'Logged');
    await readSummary(patient.token, patient.patientId).expect(200);
    const log = await request(hospital().app).get('/api/audit-events').auth(patient.token, { type: 'bearer' }).expect(200);
    expect(log.body.length).to.be.greaterThan(0);
    for (const event of log.body) expect(event.patientId).to.equal(patient.patientId);
    const doctor = await hospital().tokenFor('dr.chen@demo.test');
    await request(hospital().app).get('/api/audit-events').auth(doctor, { type: 'bearer' }).expect(403);
  });

  it('when anyone tries to change or delete an audit event, then the model refuses and the event stays as written', async () => {
    const patient = await newPatient(hospital(), 'Audited');
    await readSummary(patient.token, patient.patientId).set('X-Request-Id', 'audit-check-0003').expect(200);
    const { AuditEvent } = hospital().db.models;
    const event = await AuditEvent.findOne({ where: { requestId: 'audit-check-0003' }, rejectOnEmpty: true });
    let refused = 0;
    await event.update({ outcome: '12' }).catch(() => refused++);
    await event.destroy().catch(() => refused++);
    await AuditEvent.destroy({ where: { id: event.id } }).catch(() => refused++);
    await AuditEvent.update({ outcome: '12' }, { where: { id: event.id } }).catch(() => refused++);
    expect(refused).to.equal(4);
    const stored = await AuditEvent.findByPk(event.id, { rejectOnEmpty: true });
    expect(stored.outcome).to.equal('0');
    expect(stored.activity).to.equal('read');
  });
});
