import { expect } from 'chai';
import request from 'supertest';
import { registerPartner } from '../support/exchange.js';
import { allergyTo, issuePrescription, medicineFrom, openFollowUpVisit, PHARMACIST, RAMIPRIL, recordThroughFhir } from '../support/prescriptions.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

const ENALAPRIL = { ...RAMIPRIL, drugCode: 'C09AA02' };
const AMLODIPINE = { ...RAMIPRIL, drugCode: 'C08CA01' };

interface QueueItem {
  id: string;
  context: {
    patient: { name: string; age: number | null; gender: string; birthDate: string | null };
    diagnosis: { code: string; display: string; where: string } | null;
    currentMedicines: { drugCode: string | null; drugName: string; origin: { kind: string; hospital?: string; prescriptionNumber?: string; status?: string } }[];
    allergies: { substance: string; criticality: string | null; reactions: string[] }[];
    duplicateClasses: { atcClass: string; lineNo: number; drugName: string; duplicates: { drugName: string; origin?: { kind: string } } }[];
  };
}

/** The review queue as the demo pharmacist gets it, and the item of one prescription. */
async function queueItem(hospital: TestNode, prescriptionId: string): Promise<QueueItem> {
  const res = await request(hospital.app).get('/api/prescriptions/review-queue').auth(await hospital.tokenFor(PHARMACIST), { type: 'bearer' });
  expect(res.status).to.equal(200);
  const item = (res.body as QueueItem[]).find((i) => i.id === prescriptionId);
  expect(item, 'the prescription is in the queue').to.not.equal(undefined);
  return item!;
}

describeOnEachDatabase('e-prescriptions: what the pharmacist sees to review (issue 14)', (hospital) => {
  it('when a patient on ramipril here and amlodipine from a partner, allergic to penicillin, is prescribed enalapril, then the queue item shows who, why, what they take, the allergy and the duplicate ACE inhibitor', async () => {
    const setup = await openFollowUpVisit(hospital());
    const born = new Date(Date.now() - 70.5 * 365.25 * 86_400_000).toISOString().slice(0, 10);
    await hospital().db.models.Patient.update({ birthDate: born, gender: 'female' }, { where: { id: setup.patient.patientId } });
    const partnerBase = 'https://partner-b.example';
    await registerPartner(hospital(), { url: partnerBase }, 'Hospital B');
    await recordThroughFhir(hospital(), setup.doctor.token, {
      ...medicineFrom(setup.patient.patientId, 'C08CA01', 'Amlodipine', `${partnerBase}/fhir`), authoredOn: '2026-10-01', dosageInstruction: [{ text: '5 mg once daily' }],
    });
    await recordThroughFhir(hospital(), setup.doctor.token, allergyTo(setup.patient.patientId, 'Penicillin', 'Hives'));
    const earlier = await issuePrescription(hospital(), setup);
    expect(earlier.status).to.equal(201);
    const approved = await request(hospital().app).post(`/api/prescriptions/${earlier.body.id}/review`)
      .auth(await hospital().tokenFor(PHARMACIST), { type: 'bearer' }).send({ decision: 'approve' });
    expect(approved.status).to.equal(200);

    const issued = await issuePrescription(hospital(), setup, { lines: [ENALAPRIL] });
    expect(issued.status).to.equal(201);
    const { context } = await queueItem(hospital(), issued.body.id);

    expect(context.patient).to.deep.equal({ name: 'Rx Test', birthDate: born, age: 70, gender: 'female' });
    expect(context.diagnosis).to.include({ code: 'I10', display: 'Essential (primary) hypertension', where: 'here' });
    expect(context.currentMedicines.map((m) => [m.drugName, m.origin.kind, m.origin.hospital ?? m.origin.status])).to.deep.equal([
      ['Ramipril', 'prescription', 'ready'], ['Amlodipine', 'partner', 'Hospital B'],
    ]);
    expect(context.allergies).to.deep.equal([{ substance: 'Penicillin', criticality: 'high', reactions: ['Hives'] }]);
    expect(context.duplicateClasses).to.have.length(1);
    expect(context.duplicateClasses[0]).to.deep.include({ atcClass: 'C09AA', lineNo: 1, drugName: 'Enalapril' });
    expect(context.duplicateClasses[0].duplicates).to.deep.include({ drugName: 'Ramipril', drugCode: 'C09AA05' });

    const audit = await hospital().db.models.AuditEvent.findOne({ where: { activity: 'prescription-review-context', resourceId: issued.body.id } });
    expect(audit?.patientId).to.equal(setup.patient.patientId);
  });

  it('when the partner\'s medicine is of the same class, or two lines of one prescription are, then each is flagged; other classes are not', async () => {
    const setup = await openFollowUpVisit(hospital());
    await recordThroughFhir(hospital(), setup.doctor.token, medicineFrom(setup.patient.patientId, 'C08CA05', 'Nifedipine', 'https://unregistered.example/fhir'));
    const issued = await issuePrescription(hospital(), setup, { lines: [AMLODIPINE, RAMIPRIL, ENALAPRIL] });
    expect(issued.status).to.equal(201);
    const { context } = await queueItem(hospital(), issued.body.id);
    expect(context.currentMedicines).to.have.length(1);
    expect(context.currentMedicines[0].origin).to.deep.equal({ kind: 'other-record', source: 'https://unregistered.example/fhir' });
    expect(context.duplicateClasses.map((d) => [d.lineNo, d.atcClass, d.duplicates.drugName])).to.deep.equal([
      [1, 'C08CA', 'Nifedipine'], [3, 'C09AA', 'Ramipril'],
    ]);
    expect(context.allergies).to.deep.equal([]);
    expect(context.patient).to.include({ age: null, birthDate: null });
  });

  it('when a dispensed prescription\'s supply has run out, a stopped or cancelled one, then they are no longer current medicines', async () => {
    const setup = await openFollowUpVisit(hospital());
    const taken = await issuePrescription(hospital(), setup);
    const cancelled = await issuePrescription(hospital(), setup, { lines: [AMLODIPINE] });
    await request(hospital().app).post(`/api/prescriptions/${cancelled.body.id}/cancel`).auth(setup.doctor.token, { type: 'bearer' }).expect(200);
    // Handed over 8 days ago: the 7-day supply is used up.
    await hospital().db.models.Prescription.update({ status: 'completed', completedAt: new Date(Date.now() - 8 * 86_400_000) }, { where: { id: taken.body.id } });
    await recordThroughFhir(hospital(), setup.doctor.token, medicineFrom(setup.patient.patientId, 'C09AA03', 'Lisinopril', undefined, 'stopped'));
    const issued = await issuePrescription(hospital(), setup, { lines: [ENALAPRIL] });
    const { context } = await queueItem(hospital(), issued.body.id);
    expect(context.currentMedicines).to.deep.equal([]);
    expect(context.duplicateClasses).to.deep.equal([]);

    await hospital().db.models.Prescription.update({ completedAt: new Date(Date.now() - 86_400_000) }, { where: { id: taken.body.id } });
    const again = await queueItem(hospital(), issued.body.id);
    expect(again.context.currentMedicines.map((m) => [m.drugName, m.origin.status])).to.deep.equal([['Ramipril', 'completed']]);
    expect(again.context.duplicateClasses.map((d) => d.duplicates.drugName)).to.deep.equal(['Ramipril']);
  });

  it('when three of a patient\'s prescriptions wait, then the queue reads the patient\'s stored medicines and allergies once, not once a prescription', async () => {
    const setup = await openFollowUpVisit(hospital());
    for (const line of [RAMIPRIL, AMLODIPINE, ENALAPRIL]) expect((await issuePrescription(hospital(), setup, { lines: [line] })).status).to.equal(201);
    const compartmentReads: string[] = [];
    const sequelize = hospital().db.sequelize;
    sequelize.addHook('afterQuery', 'count-compartment-reads', (_options, query) => {
      const { sql } = query as unknown as { sql?: string };
      if (sql?.includes('fhir_compartments') && sql.includes(setup.patient.patientId)) compartmentReads.push(sql);
    });
    try {
      const res = await request(hospital().app).get('/api/prescriptions/review-queue').auth(await hospital().tokenFor(PHARMACIST), { type: 'bearer' }).expect(200);
      expect((res.body as QueueItem[]).filter((i) => i.context.patient.name === 'Rx Test').length).to.be.at.least(3);
    } finally {
      sequelize.removeHook('afterQuery', 'count-compartment-reads');
    }
    expect(compartmentReads.map((sql) => /resourceType IN \('(\w+)'\)/.exec(sql)?.[1]).sort()).to.deep.equal(['AllergyIntolerance', 'MedicationRequest']);
  });

  it('when a doctor or a patient asks for the review queue, then 403 and no context is read', async () => {
    const setup = await openFollowUpVisit(hospital());
    for (const token of [setup.doctor.token, setup.patient.token]) {
      const res = await request(hospital().app).get('/api/prescriptions/review-queue').auth(token, { type: 'bearer' });
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal('wrong-role');
    }
    expect(await hospital().db.models.AuditEvent.count({ where: { activity: 'prescription-review-context', patientId: setup.patient.patientId } })).to.equal(0);
  });
});
