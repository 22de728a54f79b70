import crypto from 'node:crypto';
import type { ExplanationOfBenefit } from '@medplum/fhirtypes';
import { expect } from 'chai';
import request from 'supertest';
import { adminToken } from '../support/consultations.js';
import { chargeItem, cover, coveredPatient, DEMO_INSURER, demoPayerId, otherPayer } from '../support/billing.js';
import { newPatient, recordInPersonVisit } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

type Entry = { resource: { resourceType: string; id: string; [key: string]: unknown }; search?: { mode: string } };
const matches = (body: { entry?: Entry[] }) => (body.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource);

describeOnEachDatabase('claims and payment: coverage, claims, the payer\'s answer and the patient\'s bill', (hospital) => {
  const api = () => request(hospital().app);
  let admin: string;
  let insurer: string;
  let payerId: string;
  before(async () => {
    admin = await adminToken(hospital());
    insurer = await hospital().tokenFor(DEMO_INSURER);
    payerId = await demoPayerId(hospital());
  });

  /** A covered patient with two billable visits and one not billable in March 2026, claimed. */
  async function claimedPatient(name: string) {
    const who = await coveredPatient(hospital(), payerId, name);
    const visit1 = await recordInPersonVisit(hospital(), who.patient.patientId, who.doctor.practitionerId);
    const visit2 = await recordInPersonVisit(hospital(), who.patient.patientId, who.doctor.practitionerId);
    const base = { patientId: who.patient.patientId, practitionerId: who.doctor.practitionerId };
    const first = await chargeItem(hospital(), { ...base, encounterId: visit1.id, code: '99213', date: '2026-03-03', price: 90,
      evidence: [`Encounter/${visit1.id}`, `Condition/${who.conditionId}`] });
    const second = await chargeItem(hospital(), { ...base, encounterId: visit2.id, code: '99214', date: '2026-03-17', price: 130 });
    const refused = await chargeItem(hospital(), { ...base, encounterId: visit2.id, code: '99215', date: '2026-03-17', status: 'not-billable',
      reasons: [{ code: 'minutes-below-minimum', display: 'The video connection lasted 31 minutes; 99215 needs 40.' }] });
    return { ...who, visit1, visit2, first, second, refused };
  }

  async function submitMarch() {
    return (await api().post('/api/billing/claims/submit').auth(admin, { type: 'bearer' }).send({ start: '2026-03-01', end: '2026-03-31' }).expect(200)).body;
  }

  it('when an admin records a payer\'s internet-care agreement, then the payer list and its Organization resource say so', async () => {
    const other = await otherPayer(hospital());
    const before = await api().get('/api/billing/payers').auth(admin, { type: 'bearer' }).expect(200);
    expect(before.body.find((p: { id: string }) => p.id === other.payerId)).to.include({ internetCareAgreement: false });
    await api().put(`/api/billing/payers/${other.payerId}/agreement`).auth(admin, { type: 'bearer' }).send({ internetCareAgreement: true })
      .expect(200);
    const organization = await api().get(`/fhir/Organization/${other.payerId}`).auth(admin, { type: 'bearer' }).expect(200);
    expect(organization.body.extension).to.deep.include({
      url: 'https://internet-hospital.dev/fhir/StructureDefinition/internet-care-agreement', valueBoolean: true,
    });
    await api().put(`/api/billing/payers/${other.payerId}/agreement`).auth(insurer, { type: 'bearer' }).send({ internetCareAgreement: false })
      .expect(403);
    await api().put(`/api/billing/payers/${crypto.randomUUID()}/agreement`).auth(admin, { type: 'bearer' }).send({ internetCareAgreement: true })
      .expect(404);
  });

  it('when an admin covers a patient, then the patient sees her coverage with the payer\'s name and member id', async () => {
    const patient = await newPatient(hospital(), 'Covered');
    await cover(hospital(), patient.patientId, payerId, 'DHI-4711');
    const res = await api().get(`/api/patients/${patient.patientId}/billing`).auth(patient.token, { type: 'bearer' }).expect(200);
    expect(res.body.coverages).to.have.length(1);
    expect(res.body.coverages[0]).to.include({ payer: 'Demo Health Insurance', memberId: 'DHI-4711', status: 'active' });
    const stranger = await newPatient(hospital(), 'Stranger');
    await api().get(`/api/patients/${patient.patientId}/billing`).auth(stranger.token, { type: 'bearer' }).expect(404);
  });

  it('when an admin submits claims for March, then each covered patient gets one Claim with her billable charges, diagnoses and total, and only once', async () => {
    const billed = await claimedPatient('Claimed');
    const uncovered = await newPatient(hospital(), 'Uncovered');
    const lone = await chargeItem(hospital(), {
      patientId: uncovered.patientId, practitionerId: billed.doctor.practitionerId, encounterId: billed.visit1.id, code: '99212', date: '2026-03-05',
    });
    const submission = await submitMarch();
    const mine = submission.claims.filter((c: { patientId: string }) => c.patientId === billed.patient.patientId);
    expect(mine).to.have.length(1);
    expect(mine[0]).to.deep.include({ coverageId: billed.coverageId, items: 2, total: { value: 220, currency: 'USD' } });
    expect(submission.unclaimed).to.deep.include({ chargeItemId: lone.id, patientId: uncovered.patientId, reason: 'no-coverage' });

    const claim = (await api().get(`/fhir/Claim/${mine[0].claimId as string}`).auth(admin, { type: 'bearer' }).expect(200)).body;
    expect(claim).to.include({ status: 'active', use: 'claim' });
    expect(claim.insurer.reference).to.equal(`Organization/${payerId}`);
    expect(claim.insurance[0].coverage.reference).to.equal(`Coverage/${billed.coverageId}`);
    expect(claim.diagnosis[0].diagnosisReference.reference).to.equal(`Condition/${billed.conditionId}`);
    expect(claim.item.map((i: { productOrService: { coding: Array<{ code: string }> } }) => i.productOrService.coding[0].code)).to.deep.equal(['99213', '99214']);
    expect(claim.item[0].extension[0].valueReference.reference).to.equal(`ChargeItem/${billed.first.id}`);
    expect(claim.item[0]).to.include({ servicedDate: '2026-03-03' });
    const history = await api().get(`/fhir/Claim/${claim.id as string}/_history`).auth(admin, { type: 'bearer' }).expect(200);
    expect(history.body.total).to.equal(1);

    const again = await submitMarch();
    expect(again.claims.filter((c: { patientId: string }) => c.patientId === billed.patient.patientId)).to.deep.equal([]);
    expect(again.unclaimed).to.deep.include({ chargeItemId: billed.first.id, patientId: billed.patient.patientId, reason: 'already-claimed' });
    const audit = await hospital().db.models.AuditEvent.findOne({ where: { resourceType: 'Claim', resourceId: claim.id, action: 'C' } });
    expect(audit).to.not.equal(null);
  });

  it('when the payer answers a claim, then an ExplanationOfBenefit is produced and the patient sees what each visit cost and what was paid', async () => {
    const billed = await claimedPatient('Paid');
    const claimId = (await submitMarch()).claims.find((c: { patientId: string }) => c.patientId === billed.patient.patientId).claimId as string;
    const answer = (outcome: string) => ({
      resourceType: 'ClaimResponse', status: 'active', use: 'claim', outcome, created: '2026-04-02T10:00:00Z',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
      patient: { reference: `Patient/${billed.patient.patientId}` }, insurer: { reference: `Organization/${payerId}` },
      request: { reference: `Claim/${claimId}` },
      item: [1, 2].map((itemSequence) => ({
        itemSequence, adjudication: [{
          category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication', code: 'benefit' }] },
          amount: { value: itemSequence === 1 ? 72 : 104, currency: 'USD' },
        }],
      })),
      payment: {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-paymenttype', code: 'complete' }] },
        amount: { value: 176, currency: 'USD' }, date: '2026-04-05',
      },
    });
    const other = await otherPayer(hospital());
    // Another payer: the patient is not its member (403, as any write for a patient outside one's care) …
    await api().post('/fhir/ClaimResponse').auth(other.token, { type: 'bearer' }).send(answer('complete')).expect(403);
    // … and once she is, the claim is still not made to it: it answers as a claim that does not exist.
    await cover(hospital(), billed.patient.patientId, other.payerId);
    await api().post('/fhir/ClaimResponse').auth(other.token, { type: 'bearer' }).send(answer('complete')).expect(404);
    await api().post('/fhir/ClaimResponse').auth(billed.patient.token, { type: 'bearer' }).send(answer('complete')).expect(403);
    const posted = await api().post('/fhir/ClaimResponse').auth(insurer, { type: 'bearer' }).send(answer('complete')).expect(201);
    const again = await api().post('/fhir/ClaimResponse').auth(insurer, { type: 'bearer' }).send(answer('complete')).expect(409);
    expect(again.body.resourceType).to.equal('OperationOutcome');

    const eobs = await api().get(`/fhir/ExplanationOfBenefit?patient=Patient/${billed.patient.patientId}`).auth(insurer, { type: 'bearer' }).expect(200);
    const [eob] = matches(eobs.body) as unknown as ExplanationOfBenefit[];
    expect(eob).to.include({ outcome: 'complete', use: 'claim' });
    expect(eob.claimResponse?.reference).to.equal(`ClaimResponse/${posted.body.id as string}`);
    expect(eob.total).to.deep.include({ category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication', code: 'benefit' }] },
      amount: { value: 176, currency: 'USD' } });

    const bill = (await api().get(`/api/patients/${billed.patient.patientId}/billing`).auth(billed.patient.token, { type: 'bearer' }).expect(200)).body;
    const byVisit = Object.fromEntries(bill.visits.map((v: { visit: string }) => [v.visit, v]));
    expect(byVisit[billed.visit1.id]).to.deep.include({ status: 'paid', cost: { value: 90, currency: 'USD' }, insurerPaid: { value: 72, currency: 'USD' } });
    expect(byVisit[billed.visit2.id]).to.deep.include({ status: 'paid', cost: { value: 130, currency: 'USD' }, insurerPaid: { value: 104, currency: 'USD' } });
    const refused = byVisit[billed.visit2.id].charges.find((c: { code: string }) => c.code === '99215');
    // Why it is not billed is the rule's code: the patient's page words it in her language.
    expect(refused).to.deep.include({ status: 'not-billable', reasons: ['minutes-below-minimum'] });
  });
});
