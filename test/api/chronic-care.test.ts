import { expect } from 'chai';
import request from 'supertest';
import { PDF_BYTES } from '../support/consultations.js';
import { newDoctor } from '../support/factories.js';
import { importedBloodPressure, importedCondition, registeredPartner } from '../support/partner-records.js';
import { issuePrescription, openFollowUpVisit, PHARMACIST, RAMIPRIL } from '../support/prescriptions.js';
import { describeOnEachDatabase } from '../support/test-node.js';

const DAY = 86_400_000;
const bp = (systolic: number, diastolic: number, at: Date) => ({
  code: '85354-9', effectiveAt: at.toISOString(), entryMethod: 'typed',
  components: [{ code: '8480-6', value: systolic, unit: 'mm[Hg]' }, { code: '8462-4', value: diastolic, unit: 'mm[Hg]' }],
});

describeOnEachDatabase('the doctor\'s chronic-care view: conditions with origin, medicines, adherence', (hospital) => {
  const read = (token: string, patientId: string) =>
    request(hospital().app).get(`/api/patients/${patientId}/chronic-care`).auth(token, { type: 'bearer' });

  /** A patient followed up by a doctor: hypertension diagnosed here, E11 from an accepted upload, J44 from a partner. */
  async function followedPatient() {
    const setup = await openFollowUpVisit(hospital());
    const { patient, doctor } = setup;
    const partner = await registeredPartner(hospital(), 'Hospital B');
    await importedCondition(hospital(), patient.patientId, partner.source, 'J44.9', 'Chronic obstructive pulmonary disease, unspecified');
    const upload = await request(hospital().app).post(`/api/patients/${patient.patientId}/diagnosis-documents`)
      .query({ title: 'Discharge letter, City Hospital', diagnosedOn: '2026-01-15', claimedCode: 'E11' })
      .set('Content-Type', 'application/pdf').auth(patient.token, { type: 'bearer' }).send(PDF_BYTES).expect(201);
    await request(hospital().app).post(`/api/diagnosis-documents/${upload.body.id}/review`).auth(doctor.token, { type: 'bearer' })
      .send({ decision: 'accept', code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' }).expect(200);
    return { ...setup, partner, documentId: upload.body.id as string };
  }

  it('when the doctor opens it, then each condition names its origin: this hospital, the partner by name, or the uploaded document', async () => {
    const { patient, doctor, documentId, partner } = await followedPatient();
    const { body } = await read(doctor.token, patient.patientId).expect(200);
    const origins = Object.fromEntries((body.conditions as Array<{ code: string; origin: object }>).map((c) => [c.code, c.origin]));
    expect(origins).to.deep.equal({
      I10: { kind: 'this-hospital' },
      'J44.9': { kind: 'partner', partnerName: 'Hospital B', fhirBaseUrl: partner.source },
      'E11.9': { kind: 'uploaded-document', documentId, title: 'Discharge letter, City Hospital' },
    });
  });

  it('when prescriptions were issued, then the medicines list shows the lines whose supply still runs, not one that ran out', async () => {
    const setup = await followedPatient();
    const { patient, doctor } = setup;
    const running = await issuePrescription(hospital(), setup, { lines: [{ ...RAMIPRIL, supplyDays: 7 }] });
    const ranOut = await issuePrescription(hospital(), setup, { lines: [{ ...RAMIPRIL, drugCode: 'C08CA01', supplyDays: 7 }] });
    expect([running.status, ranOut.status]).to.deep.equal([201, 201]);
    await hospital().db.models.Prescription.update({ issuedAt: new Date(Date.now() - 8 * DAY) }, { where: { id: ranOut.body.id } });
    const pharmacist = await hospital().tokenFor(PHARMACIST);
    await request(hospital().app).post(`/api/prescriptions/${running.body.id}/review`).auth(pharmacist, { type: 'bearer' }).send({ decision: 'approve' }).expect(200);

    const { body } = await read(doctor.token, patient.patientId).expect(200);
    expect(body.medications.map((m: { prescriptionId: string; drugCode: string; status: string; origin: object }) => [m.prescriptionId, m.drugCode, m.status, m.origin]))
      .to.deep.equal([[running.body.id, RAMIPRIL.drugCode, 'ready', { kind: 'this-hospital' }]]);
    expect(body.medications[0]).to.include({ dose: RAMIPRIL.dose, frequency: RAMIPRIL.frequency, supplyDays: 7 });
  });

  it('when readings came on three of the last 30 days, one copied by a partner, then adherence counts 3 days and 3 measurements', async () => {
    const { patient, doctor, partner } = await followedPatient();
    const send = (body: object) => request(hospital().app).post(`/api/patients/${patient.patientId}/readings`).auth(patient.token, { type: 'bearer' }).send(body).expect(201);
    const taken = new Date(Date.now() - 2 * DAY);
    await send(bp(130, 85, taken));
    await send(bp(128, 84, new Date(Date.now() - 5 * DAY)));
    await send(bp(126, 82, new Date(Date.now() - 40 * DAY)));
    await importedBloodPressure(hospital(), patient.patientId, partner.source, new Date(taken.getTime() + 30_000), 130, 85);
    await importedBloodPressure(hospital(), patient.patientId, partner.source, new Date(Date.now() - 9 * DAY), 140, 88);

    const { body } = await read(doctor.token, patient.patientId).expect(200);
    expect(body.adherence).to.deep.equal({ windowDays: 30, expectedDays: 30, daysWithReadings: 3, measurements: 3, byCode: { '85354-9': 3 } });
  });

  it('when a doctor outside the patient\'s care or a pharmacist asks, then 404 and 403, audited; the treating doctor\'s read (and the patient\'s own) is audited', async () => {
    const { patient, doctor } = await followedPatient();
    const stranger = await newDoctor(hospital(), 'Stranger');
    expect((await read(stranger.token, patient.patientId).expect(404)).body.code).to.equal('patient-not-found');
    expect((await read(await hospital().tokenFor(PHARMACIST), patient.patientId).expect(403)).body.code).to.equal('wrong-role');
    expect(await hospital().db.models.AuditEvent.count({ where: { actorUserId: stranger.userId, patientId: patient.patientId, outcome: '4' } })).to.be.greaterThan(0);

    await read(doctor.token, patient.patientId).expect(200);
    expect((await read(patient.token, patient.patientId).expect(200)).body.conditions).to.have.length(3);
    const audited = await hospital().db.models.AuditEvent.findAll({ where: { actorUserId: doctor.userId, patientId: patient.patientId, activity: 'chronic-care-read' } });
    expect(audited.map((a) => a.resourceType).sort()).to.deep.equal(['Condition', 'MedicationRequest', 'Observation']);
  });
});
