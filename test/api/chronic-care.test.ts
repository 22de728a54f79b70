import { expect } from 'chai';
import request from 'supertest';
import { PDF_BYTES } from '../support/consultations.js';
import { importedBloodPressure, importedCondition, registeredPartner } from '../support/partner-records.js';
import { issuePrescription, medicineFrom, openFollowUpVisit, PHARMACIST, RAMIPRIL, recordThroughFhir } from '../support/prescriptions.js';
import { DIALECTS } from '../support/databases.js';
import { partnerPairOfSuite, sharedPatient } from '../support/exchange.js';
import { bookedAppointment, newDoctor, recordInPersonVisit } from '../support/factories.js';
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

  it('when prescriptions were issued, then the list holds one still to be dispensed and one whose supply runs; not an expired undispensed one, nor one whose supply ran out', async () => {
    const setup = await followedPatient();
    const { patient, doctor } = setup;
    const issue = async (drugCode: string) => {
      const issued = await issuePrescription(hospital(), setup, { lines: [{ ...RAMIPRIL, drugCode, supplyDays: 7 }] });
      expect(issued.status).to.equal(201);
      return issued.body as { id: string; number: string };
    };
    const waiting = await issue(RAMIPRIL.drugCode);
    const expired = await issue('C08CA01');
    const taking = await issue('C09AA02');
    const ranOut = await issue('C03AA03');
    // Issued three days ago and valid for one: never dispensed, it can no longer be.
    await hospital().db.models.Prescription.update({ issuedAt: new Date(Date.now() - 3 * DAY), validUntil: new Date(Date.now() - 2 * DAY) }, { where: { id: expired.id } });
    // Handed over three days ago and eight days ago, each a 7-day supply.
    await hospital().db.models.Prescription.update({ status: 'completed', completedAt: new Date(Date.now() - 3 * DAY) }, { where: { id: taking.id } });
    await hospital().db.models.Prescription.update({ status: 'completed', completedAt: new Date(Date.now() - 8 * DAY) }, { where: { id: ranOut.id } });

    const { body } = await read(doctor.token, patient.patientId).expect(200);
    type Listed = { drugCode: string; supplyEnds: string | null; origin: { prescriptionId: string; status: string } };
    expect(body.medications.map((m: Listed) => [m.origin.prescriptionId, m.drugCode, m.origin.status, m.supplyEnds === null]))
      .to.deep.equal([[waiting.id, RAMIPRIL.drugCode, 'pending-review', true], [taking.id, 'C09AA02', 'completed', false]]);
    // The dose and frequency as the doctor wrote them: the page joins them in its language.
    expect(body.medications[0].instructions).to.deep.equal({ dose: RAMIPRIL.dose, frequency: RAMIPRIL.frequency });
    expect(body.medications[0].origin).to.include({ kind: 'prescription', prescriptionNumber: waiting.number });
    expect(Date.parse(body.medications[1].supplyEnds)).to.be.within(Date.now() + 4 * DAY - 60_000, Date.now() + 4 * DAY + 60_000);
  });

  it('when the pharmacist reviews the patient\'s next prescription, then the review lists the same current medicines as the doctor\'s view, a partner\'s named', async () => {
    const setup = await followedPatient();
    const { patient, doctor, partner } = setup;
    const taking = await issuePrescription(hospital(), setup, { lines: [{ ...RAMIPRIL, supplyDays: 7 }] });
    await hospital().db.models.Prescription.update({ status: 'completed', completedAt: new Date(Date.now() - DAY) }, { where: { id: taking.body.id } });
    await recordThroughFhir(hospital(), doctor.token, medicineFrom(patient.patientId, 'C08CA01', 'Amlodipine', partner.source));
    const next = await issuePrescription(hospital(), setup, { lines: [{ ...RAMIPRIL, drugCode: 'C09AA02' }] });
    expect(next.status).to.equal(201);

    const { body } = await read(doctor.token, patient.patientId).expect(200);
    const queue = await request(hospital().app).get('/api/prescriptions/review-queue').auth(await hospital().tokenFor(PHARMACIST), { type: 'bearer' }).expect(200);
    const review = (queue.body as Array<{ id: string; context: { currentMedicines: unknown[] } }>).find((i) => i.id === next.body.id);
    const underReview = (m: { origin: { prescriptionId?: string } }) => m.origin.prescriptionId === next.body.id;
    expect(review?.context.currentMedicines).to.deep.equal(body.medications.filter((m: { origin: { prescriptionId?: string } }) => !underReview(m)));
    expect(body.medications.map((m: { drugName: string; origin: { kind: string; hospital?: string } }) => [m.drugName, m.origin.kind, m.origin.hospital]))
      .to.deep.equal([['Ramipril', 'prescription', undefined], ['Enalapril', 'prescription', undefined], ['Amlodipine', 'partner', 'Hospital B']]);
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

for (const dialect of DIALECTS) {
  describe(`the doctor's chronic-care view lists the medicines a partner prescribed, pulled over HTTP [${dialect}]`, function () {
    const pair = partnerPairOfSuite(dialect);

    it('when the patient pulls twice, then B\'s active medicine is listed once with B\'s name; B\'s stopped one and the copy B holds of A\'s record are not', async () => {
      const { a, b, partnerBatA } = pair();
      const { atA, atB } = await sharedPatient(pair());
      const doctorB = await newDoctor(b.hospital, 'Meds');
      await recordInPersonVisit(b.hospital, atB.patientId, doctorB.practitionerId);
      await recordThroughFhir(b.hospital, doctorB.token, {
        ...medicineFrom(atB.patientId, 'C08CA01', 'Amlodipine'), authoredOn: '2026-09-01', dosageInstruction: [{ text: '5 mg once daily' }],
        requester: { reference: `Practitioner/${doctorB.practitionerId}` },
      });
      await recordThroughFhir(b.hospital, doctorB.token, medicineFrom(atB.patientId, 'C03AA03', 'Hydrochlorothiazide', undefined, 'stopped'));
      // A record B itself imported from A: A's to give, never imported back as B's.
      await recordThroughFhir(b.hospital, doctorB.token, medicineFrom(atB.patientId, 'C10AA05', 'Atorvastatin', `${a.url}/fhir`));

      const pull = () => request(a.hospital.app).post(`/api/patients/${atA.patientId}/partner-records/pull`).auth(atA.token, { type: 'bearer' }).expect(200);
      expect((await pull()).body.imported[0]).to.include({ partnerId: partnerBatA, medicationRequests: 2 });
      expect((await pull()).body.imported[0]).to.include({ medicationRequests: 0 });

      const doctorA = await newDoctor(a.hospital, 'Care');
      await bookedAppointment(a.hospital, { patientId: atA.patientId, practitionerId: doctorA.practitionerId });
      const { body } = await request(a.hospital.app).get(`/api/patients/${atA.patientId}/chronic-care`).auth(doctorA.token, { type: 'bearer' }).expect(200);
      expect(body.medications).to.deep.equal([{
        drugCode: 'C08CA01', drugName: 'Amlodipine', instructions: { text: '5 mg once daily' }, since: '2026-09-01', supplyEnds: null,
        origin: { kind: 'partner', hospital: 'Hospital B', fhirBaseUrl: `${b.url}/fhir` },
      }]);
      const stored = await a.hospital.db.models.FhirResource.findAll({ where: { resourceType: 'MedicationRequest' } });
      const amlodipine = stored.map((r) => JSON.parse(r.content)).find((r) => r.medicationCodeableConcept.coding[0].code === 'C08CA01');
      expect(amlodipine.subject).to.deep.equal({ reference: `Patient/${atA.patientId}` });
      expect(amlodipine.requester, 'the prescriber is B\'s, named at B').to.deep.equal({ reference: `${b.url}/fhir/Practitioner/${doctorB.practitionerId}` });
      expect(amlodipine.meta.versionId, 'a re-pull of an unchanged medicine writes no version').to.equal('1');
    });
  });
}
