import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { followUpEligibility, ICD10 } from '../../server/consultations/eligibility.js';
import { HTML_BYTES, PDF_BYTES, PNG_BYTES } from '../support/consultations.js';
import { bookedAppointment, newDoctor, newPatient, recorded } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('follow-up eligibility evidence', (hospital) => {
  const eligibility = (token: string, patientId: string, condition?: string) =>
    request(hospital().app).get(`/api/patients/${patientId}/eligibility`).query(condition ? { condition } : {}).auth(token, { type: 'bearer' });
  const upload = (token: string, patientId: string, body: Buffer, type: string, diagnosedOn = '2026-01-15') =>
    request(hospital().app).post(`/api/patients/${patientId}/diagnosis-documents`)
      .query({ title: 'Discharge letter, City Hospital', diagnosedOn, claimedCode: 'E11' })
      .set('Content-Type', type).auth(token, { type: 'bearer' }).send(body);

  it('when the patient was diagnosed in person here, then the answer names the local record', async () => {
    const alice = await hospital().db.models.User.findOne({ where: { email: 'alice@demo.test' }, rejectOnEmpty: true });
    const res = await eligibility(await hospital().tokenFor('alice@demo.test'), alice.patientId!, 'I10').expect(200);
    expect(res.body).to.deep.include({ eligible: true });
    expect(res.body.evidence).to.include({ kind: 'local-record', code: 'I10' });
    expect(res.body.condition.display).to.equal('Hypertensive diseases');
  });

  it('when the in-person diagnosis was imported from a partner, then the evidence is a partner record naming its source', async () => {
    const patient = await newPatient(hospital(), 'Imported');
    const source = 'https://partner.example.test/fhir';
    const at = new Date(Date.now() - 60 * 86_400_000);
    const { Encounter, Condition } = hospital().db.models;
    const encounter = await recorded(hospital(), 'Encounter', await Encounter.create({
      id: crypto.randomUUID(), patientId: patient.patientId, practitionerId: null, organizationId: null, encounterClass: 'AMB',
      status: 'finished', periodStart: at, periodEnd: at, source,
    }));
    await recorded(hospital(), 'Condition', await Condition.create({
      id: crypto.randomUUID(), patientId: patient.patientId, encounterId: encounter.id, recorderId: null, codeSystem: ICD10, code: 'J44.9',
      display: 'COPD', clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: null, recordedAt: at, source,
    }));
    const res = await eligibility(patient.token, patient.patientId, 'J44').expect(200);
    expect(res.body.evidence).to.include({ kind: 'partner-record', source, code: 'J44.9', encounterId: encounter.id });
  });

  it('when there is no evidence at all, then the refusal lists what is missing of each kind', async () => {
    const bob = await newPatient(hospital(), 'Nobody');
    const res = await eligibility(bob.token, bob.patientId).expect(200);
    expect(res.body.eligible).to.equal(false);
    expect(res.body.reason).to.match(/book an in-person first visit/);
    expect(res.body.missing).to.have.length(3);
    expect(res.body.missing[0]).to.match(/^local-record: no confirmed diagnosis/);
    expect(res.body.missing[1]).to.match(/^partner-record: no consent/);
    expect(res.body.missing[2]).to.match(/^accepted-document: no uploaded diagnosis document/);
  });

  it('when a doctor accepts the uploaded diagnosis document, then the patient is eligible by that document', async () => {
    const patient = await newPatient(hospital(), 'Uploader');
    const doctor = await newDoctor(hospital(), 'Reviewer');
    await bookedAppointment(hospital(), { patientId: patient.patientId, practitionerId: doctor.practitionerId });
    const doc = await upload(patient.token, patient.patientId, PDF_BYTES, 'application/pdf', new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10)).expect(201);
    expect(doc.body).to.include({ reviewStatus: 'pending', contentType: 'application/pdf', size: PDF_BYTES.length });

    const pending = await eligibility(patient.token, patient.patientId, 'E11').expect(200);
    expect(pending.body.eligible).to.equal(false);
    expect(pending.body.missing[2]).to.match(/1 uploaded diagnosis document\(s\) still wait for a doctor's review/);

    const content = await request(hospital().app).get(`/api/diagnosis-documents/${doc.body.id}/content`).auth(doctor.token, { type: 'bearer' }).expect(200);
    expect(Buffer.from(content.body).equals(PDF_BYTES)).to.equal(true);
    const reviewed = await request(hospital().app).post(`/api/diagnosis-documents/${doc.body.id}/review`).auth(doctor.token, { type: 'bearer' })
      .send({ decision: 'accept', code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' }).expect(200);
    expect(reviewed.body).to.include({ reviewStatus: 'accepted', reviewerId: doctor.practitionerId });

    const condition = await hospital().db.models.Condition.findByPk(reviewed.body.conditionId, { rejectOnEmpty: true });
    expect(condition).to.include({ verificationStatus: 'confirmed', code: 'E11.9', patientId: patient.patientId });
    const res = await eligibility(patient.token, patient.patientId, 'E11').expect(200);
    expect(res.body.eligible).to.equal(true);
    expect(res.body.evidence).to.include({ kind: 'accepted-document', documentId: doc.body.id, conditionId: condition.id, acceptedBy: doctor.practitionerId });

    await request(hospital().app).post(`/api/diagnosis-documents/${doc.body.id}/review`).auth(doctor.token, { type: 'bearer' })
      .send({ decision: 'reject', note: 'changed my mind' }).expect(409);
  });

  it('when the accepted document is older than the look-back period, then it does not count', async () => {
    const patient = await newPatient(hospital(), 'OldDoc');
    const doctor = await newDoctor(hospital(), 'OldReviewer');
    await bookedAppointment(hospital(), { patientId: patient.patientId, practitionerId: doctor.practitionerId });
    const doc = await upload(patient.token, patient.patientId, PNG_BYTES, 'image/png', '2019-03-01').expect(201);
    await request(hospital().app).post(`/api/diagnosis-documents/${doc.body.id}/review`).auth(doctor.token, { type: 'bearer' })
      .send({ decision: 'accept', code: 'E11' }).expect(200);
    expect((await followUpEligibility(hospital().db, patient.patientId, { conditionCode: 'E11' })).eligible).to.equal(false);
    expect((await followUpEligibility(hospital().db, patient.patientId, { conditionCode: 'E11', lookBackDays: 365 * 20 })).eligible).to.equal(true);
  });

  it('when the upload is not a PDF or image, is mislabelled, or is too large, then it is refused and nothing is stored', async () => {
    const patient = await newPatient(hospital(), 'BadFile');
    const before = await hospital().db.models.DiagnosisDocument.count();
    expect((await upload(patient.token, patient.patientId, HTML_BYTES, 'application/pdf').expect(415)).body.code).to.equal('file-type-not-accepted');
    expect((await upload(patient.token, patient.patientId, PNG_BYTES, 'application/pdf').expect(415)).body.code).to.equal('file-type-mismatch');
    const tooLarge = Buffer.concat([PDF_BYTES, Buffer.alloc(hospital().config.attachmentMaxBytes)]);
    expect((await upload(patient.token, patient.patientId, tooLarge, 'application/pdf').expect(413)).body.code).to.equal('file-too-large');
    expect(await hospital().db.models.DiagnosisDocument.count()).to.equal(before);
  });

  it("when a patient uploads to another patient's record, then 404 as for a patient that does not exist", async () => {
    const patient = await newPatient(hospital(), 'Intruder');
    const other = await newPatient(hospital(), 'Other');
    expect((await upload(patient.token, other.patientId, PDF_BYTES, 'application/pdf').expect(404)).body.code).to.equal('patient-not-found');
  });
});
