import crypto from 'node:crypto';
import { expect } from 'chai';
import type { EncounterClass } from '../../db/models/clinical.js';
import { followUpEligibility, ICD10 } from '../../server/consultations/eligibility.js';
import { newPatient, recorded } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('follow-up eligibility from local records', (hospital) => {
  const patientIdOf = async (email: string) =>
    (await hospital().db.models.User.findOne({ where: { email }, rejectOnEmpty: true })).patientId!;
  /** A confirmed diagnosis `code` at a finished encounter of `encounterClass` `daysAgo`; answers the encounter's id. */
  const diagnoseIn = async (patientId: string, encounterClass: EncounterClass, daysAgo: number, code: string) => {
    const { Encounter, Condition } = hospital().db.models;
    const at = new Date(Date.now() - daysAgo * 86_400_000);
    const encounter = await recorded(hospital(), 'Encounter', await Encounter.create({
      id: crypto.randomUUID(), patientId, practitionerId: null, organizationId: null, encounterClass,
      status: 'finished', periodStart: at, periodEnd: at, source: null,
    }));
    await recorded(hospital(), 'Condition', await Condition.create({
      id: crypto.randomUUID(), patientId, encounterId: encounter.id, recorderId: null, codeSystem: ICD10,
      code, display: code, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: null, recordedAt: at, source: null,
    }));
    return encounter.id;
  };

  it('when the patient was diagnosed with hypertension in person, then they are eligible and the evidence is named', async () => {
    const result = await followUpEligibility(hospital().db, await patientIdOf('alice@demo.test'));
    expect(result.eligible).to.equal(true);
    if (result.eligible) expect(result.evidence).to.include({ kind: 'local-record', code: 'I10' });
  });

  it('when there is no prior diagnosis, then the answer says to book an in-person first visit', async () => {
    const result = await followUpEligibility(hospital().db, await patientIdOf('bob@demo.test'));
    expect(result.eligible).to.equal(false);
    if (!result.eligible) expect(result.reason).to.match(/in-person first visit/);
  });

  it('when the diagnosis came from a video visit, is too old, or is for another condition, then it does not count', async () => {
    const patient = await newPatient(hospital(), 'Edge');
    await diagnoseIn(patient.patientId, 'VR', 10, 'E11');
    await diagnoseIn(patient.patientId, 'AMB', 1000, 'I10');
    await diagnoseIn(patient.patientId, 'AMB', 10, 'J45');
    expect((await followUpEligibility(hospital().db, patient.patientId)).eligible).to.equal(false);
    await diagnoseIn(patient.patientId, 'AMB', 10, 'E11.9');
    expect((await followUpEligibility(hospital().db, patient.patientId, { conditionCode: 'E11' })).eligible).to.equal(true);
    expect((await followUpEligibility(hospital().db, patient.patientId, { conditionCode: 'I10' })).eligible).to.equal(false);
  });

  it('when the diagnosis was made in the emergency room or during a stay on a ward, then it counts as one made in person', async () => {
    const patient = await newPatient(hospital(), 'Discharged');
    const emergency = await diagnoseIn(patient.patientId, 'EMER', 5, 'I10');
    const ward = await diagnoseIn(patient.patientId, 'IMP', 5, 'E11');
    const hypertension = await followUpEligibility(hospital().db, patient.patientId, { conditionCode: 'I10' });
    const diabetes = await followUpEligibility(hospital().db, patient.patientId, { conditionCode: 'E11' });
    expect(hypertension.eligible && hypertension.evidence).to.include({ kind: 'local-record', encounterId: emergency });
    expect(diabetes.eligible && diabetes.evidence).to.include({ kind: 'local-record', encounterId: ward });
  });
});
