import { expect } from 'chai';
import request from 'supertest';
import { verifyDetached } from '../../server/prescriptions/signing.js';
import { issuePrescription, openFollowUpVisit, PHARMACIST, RAMIPRIL } from '../support/prescriptions.js';
import { newDoctor } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('e-prescriptions: prescribing and review', (hospital) => {
  it('when the treating doctor prescribes in an open follow-up visit, then it is signed, stored as lines and waits for review', async () => {
    const setup = await openFollowUpVisit(hospital());
    const res = await issuePrescription(hospital(), setup, { lines: [RAMIPRIL, { ...RAMIPRIL, drugCode: 'C08CA01' }] });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ status: 'pending-review', encounterId: setup.visit.id });
    expect(res.body.number).to.match(/^RX-\d{8}-[0-9A-F]{10}$/);
    expect(res.body.lines.map((l: { drugCode: string }) => l.drugCode)).to.deep.equal(['C09AA05', 'C08CA01']);
    expect(new Date(res.body.validUntil).getTime() - new Date(res.body.issuedAt).getTime()).to.equal(86_400_000);
    const row = await hospital().db.models.Prescription.findByPk(res.body.id, { rejectOnEmpty: true });
    const content = JSON.parse(row.signedContent);
    expect(content.prescriber).to.include({ id: setup.doctor.practitionerId, name: 'Greg Rx' });
    expect(verifyDetached(row.signature, row.signedContent, hospital().node.keys.jwks())).to.deep.include({ valid: true });
    const audit = await hospital().db.models.AuditEvent.findOne({ where: { activity: 'prescription-issued', resourceId: row.id } });
    expect(audit).to.not.equal(null);
  });

  it('when a line is a narcotic or psychotropic, then 400 names the line and nothing is stored', async () => {
    const setup = await openFollowUpVisit(hospital());
    const res = await issuePrescription(hospital(), setup, { lines: [RAMIPRIL, RAMIPRIL, { ...RAMIPRIL, drugCode: 'N02AA01' }, { ...RAMIPRIL, drugCode: 'N05BA01' }] });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('controlled-drug-not-online');
    expect(res.body.errors.map((e: { expression: string }) => e.expression)).to.deep.equal(['lines[2].drugCode', 'lines[3].drugCode']);
    expect(await hospital().db.models.Prescription.count({ where: { encounterId: setup.visit.id } })).to.equal(0);
  });

  it('when there are more than 5 lines, then 400 too-many-lines', async () => {
    const setup = await openFollowUpVisit(hospital());
    const res = await issuePrescription(hospital(), setup, { lines: Array.from({ length: 6 }, () => RAMIPRIL) });
    expect(res.status).to.equal(400);
    expect(res.body).to.include({ code: 'too-many-lines' });
    expect(res.body.errors[0].expression).to.equal('lines[5]');
  });

  it('when the supply is over 7 days without a chronic condition, or over 12 weeks with one, then 400 names the line', async () => {
    const setup = await openFollowUpVisit(hospital());
    const short = await issuePrescription(hospital(), setup, { lines: [RAMIPRIL, { ...RAMIPRIL, supplyDays: 8 }] });
    expect(short.status).to.equal(400);
    expect(short.body).to.include({ code: 'supply-too-long' });
    expect(short.body.errors[0].expression).to.equal('lines[1].supplyDays');
    const long = await issuePrescription(hospital(), setup, { chronicConditionCode: 'I10', lines: [{ ...RAMIPRIL, supplyDays: 85 }] });
    expect(long.status).to.equal(400);
    expect(long.body).to.include({ code: 'supply-over-12-weeks' });
    const ok = await issuePrescription(hospital(), setup, { chronicConditionCode: 'I10', lines: [{ ...RAMIPRIL, supplyDays: 84, quantity: 84 }] });
    expect(ok.status).to.equal(201);
  });

  it('when the patient is not eligible for follow-up, then 400 patient-not-eligible with the reason', async () => {
    const setup = await openFollowUpVisit(hospital(), { eligible: false });
    const res = await issuePrescription(hospital(), setup);
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('patient-not-eligible');
    expect(res.body.title).to.match(/in-person first visit/);
  });

  it('when the prescriber is not the visit doctor, then 403 not-visit-doctor', async () => {
    const setup = await openFollowUpVisit(hospital());
    const other = await newDoctor(hospital(), 'Other');
    const res = await issuePrescription(hospital(), { ...setup, doctor: other });
    expect(res.status).to.equal(403);
    expect(res.body.code).to.equal('not-visit-doctor');
  });

  it('when the visit has not started, then 400 visit-not-open; when it just finished, then prescribing is still allowed', async () => {
    const planned = await openFollowUpVisit(hospital(), { status: 'planned' });
    expect((await issuePrescription(hospital(), planned)).body.code).to.equal('visit-not-open');
    const finished = await openFollowUpVisit(hospital(), { status: 'finished' });
    expect((await issuePrescription(hospital(), finished)).status).to.equal(201);
  });

  it('when the doctor ended the visit as needing in-person care, then no prescription can be issued in it', async () => {
    const setup = await openFollowUpVisit(hospital());
    await request(hospital().app).post(`/api/visits/${setup.visit.id}/needs-in-person-care`).auth(setup.doctor.token, { type: 'bearer' })
      .send({ reason: 'blood pressure out of control: examine in person' }).expect(200);
    const res = await issuePrescription(hospital(), setup);
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('visit-needs-in-person-care');
    expect(await hospital().db.models.Prescription.count({ where: { encounterId: setup.visit.id } })).to.equal(0);
  });

  it('when the validity is over 1 day, then it needs a reason and may not exceed 3 days', async () => {
    const setup = await openFollowUpVisit(hospital());
    expect((await issuePrescription(hospital(), setup, { validityDays: 3 })).body.code).to.equal('validity-reason-required');
    expect((await issuePrescription(hospital(), setup, { validityDays: 4, validityReason: 'travel' })).body.code).to.equal('validity-too-long');
    const ok = await issuePrescription(hospital(), setup, { validityDays: 3, validityReason: 'pharmacy closed on holiday' });
    expect(ok.status).to.equal(201);
    expect(new Date(ok.body.validUntil).getTime() - new Date(ok.body.issuedAt).getTime()).to.equal(3 * 86_400_000);
  });

  it('when a pharmacist rejects with a coded reason, then it goes back to the doctor; the prescriber cannot review their own', async () => {
    const setup = await openFollowUpVisit(hospital());
    const issued = await issuePrescription(hospital(), setup);
    const pharmacist = await hospital().tokenFor(PHARMACIST);
    const queue = await request(hospital().app).get('/api/prescriptions/review-queue').auth(pharmacist, { type: 'bearer' });
    expect(queue.body.map((p: { id: string }) => p.id)).to.include(issued.body.id);
    const noReason = await request(hospital().app).post(`/api/prescriptions/${issued.body.id}/review`).auth(pharmacist, { type: 'bearer' }).send({ decision: 'reject' });
    expect(noReason.body.code).to.equal('rejection-reason-required');
    const rejected = await request(hospital().app).post(`/api/prescriptions/${issued.body.id}/review`).auth(pharmacist, { type: 'bearer' })
      .send({ decision: 'reject', reasonCode: 'dose-out-of-range', note: 'check the dose' });
    expect(rejected.status).to.equal(200);
    expect(rejected.body.status).to.equal('rejected');
    expect(rejected.body.review).to.include({ reasonCode: 'dose-out-of-range' });
    const mine = await request(hospital().app).get('/api/prescriptions').auth(setup.doctor.token, { type: 'bearer' });
    expect(mine.body.find((p: { id: string }) => p.id === issued.body.id).status).to.equal('rejected');
    const again = await request(hospital().app).post(`/api/prescriptions/${issued.body.id}/review`).auth(pharmacist, { type: 'bearer' }).send({ decision: 'approve' });
    expect(again.status).to.equal(409);
    const code = await request(hospital().app).get(`/api/prescriptions/${issued.body.id}/code`).auth(setup.patient.token, { type: 'bearer' });
    expect(code.body.code).to.equal('code-not-available');
  });

  it('when the doctor changes a prescription, then the old one is cancelled and the new signed one references it', async () => {
    const setup = await openFollowUpVisit(hospital());
    const first = await issuePrescription(hospital(), setup);
    const second = await issuePrescription(hospital(), setup, { replaces: first.body.id, lines: [{ ...RAMIPRIL, quantity: 5 }] });
    expect(second.status).to.equal(201);
    expect(second.body.replaces).to.equal(first.body.id);
    const old = await hospital().db.models.Prescription.findByPk(first.body.id, { rejectOnEmpty: true });
    expect(old.status).to.equal('cancelled');
    const row = await hospital().db.models.Prescription.findByPk(second.body.id, { rejectOnEmpty: true });
    expect(JSON.parse(row.signedContent).replaces).to.equal(first.body.id);
  });

  it('when the patient lists prescriptions and asks for the code of an approved one, then they get a 256-bit code and an SVG QR', async () => {
    const setup = await openFollowUpVisit(hospital());
    const issued = await issuePrescription(hospital(), setup);
    await request(hospital().app).post(`/api/prescriptions/${issued.body.id}/review`).auth(await hospital().tokenFor(PHARMACIST), { type: 'bearer' }).send({ decision: 'approve' });
    const list = await request(hospital().app).get('/api/prescriptions').auth(setup.patient.token, { type: 'bearer' });
    expect(list.body.map((p: { id: string; status: string }) => [p.id, p.status])).to.deep.equal([[issued.body.id, 'ready']]);
    const code = await request(hospital().app).get(`/api/prescriptions/${issued.body.id}/code`).auth(setup.patient.token, { type: 'bearer' });
    expect(code.status).to.equal(200);
    expect(Buffer.from(code.body.accessCode, 'base64url').length).to.be.at.least(16);
    expect(code.body.issuer).to.equal(`${hospital().config.publicBaseUrl}/fhir`);
    expect(code.body.qrSvg).to.match(/^<svg/);
    const row = await hospital().db.models.Prescription.findByPk(issued.body.id, { rejectOnEmpty: true });
    expect(JSON.stringify(row.get())).to.not.include(code.body.accessCode);
    const provenance = await request(hospital().app).get(`/api/prescriptions/${issued.body.id}/provenance`).auth(setup.patient.token, { type: 'bearer' });
    expect(provenance.body.provenance.signature[0].sigFormat).to.equal('application/jose');
  });
});
