import { expect } from 'chai';
import request from 'supertest';
import { adminToken } from '../support/consultations.js';
import { chargeItem, coveredPatient, CPT, DEMO_INSURER, demoPayerId, otherPayer } from '../support/billing.js';
import { clientAssertion, clientCredentials, jwksServer } from '../support/exchange.js';
import { recordInPersonVisit } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';
import { generateSigningKey } from '../../server/auth/keys.js';

type Entry = { resource: { resourceType: string; id: string }; search?: { mode: string } };
const ids = (body: { entry?: Entry[] }) => (body.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource.id);

describeOnEachDatabase('what insurers see: their members\' billing, and clinical records only as an open claim\'s evidence', (hospital) => {
  const api = () => request(hospital().app);
  let insurer: string;
  let payerId: string;
  let world: Awaited<ReturnType<typeof buildWorld>>;

  async function buildWorld() {
    const member = await coveredPatient(hospital(), payerId, 'Member');
    const visit = await recordInPersonVisit(hospital(), member.patient.patientId, member.doctor.practitionerId);
    const unrelated = await recordInPersonVisit(hospital(), member.patient.patientId, member.doctor.practitionerId);
    const base = { patientId: member.patient.patientId, practitionerId: member.doctor.practitionerId, encounterId: visit.id };
    const april = await chargeItem(hospital(), { ...base, code: '99213', date: '2026-04-02', price: 90, evidence: [`Encounter/${visit.id}`, `Condition/${member.conditionId}`] });
    const may = await chargeItem(hospital(), { ...base, code: '99214', date: '2026-05-06', price: 130 });
    const other = await otherPayer(hospital());
    const stranger = await coveredPatient(hospital(), other.payerId, 'Stranger');
    const strangerVisit = await recordInPersonVisit(hospital(), stranger.patient.patientId, stranger.doctor.practitionerId);
    const theirs = await chargeItem(hospital(), {
      patientId: stranger.patient.patientId, practitionerId: stranger.doctor.practitionerId, encounterId: strangerVisit.id, code: '99213', date: '2026-04-02',
    });
    const submitted = await api().post('/api/billing/claims/submit').auth(await adminToken(hospital()), { type: 'bearer' })
      .send({ start: '2026-04-01', end: '2026-04-30' }).expect(200);
    const claimId = submitted.body.claims.find((c: { patientId: string }) => c.patientId === member.patient.patientId).claimId as string;
    const strangerClaimId = submitted.body.claims.find((c: { patientId: string }) => c.patientId === stranger.patient.patientId).claimId as string;
    return { member, visit, unrelated, april, may, other, stranger, theirs, claimId, strangerClaimId };
  }

  before(async () => {
    insurer = await hospital().tokenFor(DEMO_INSURER);
    payerId = await demoPayerId(hospital());
    world = await buildWorld();
  });

  const search = (path: string, token = insurer) => api().get(path).auth(token, { type: 'bearer' }).expect(200).then((res) => ids(res.body));

  it('when an insurer searches charges by patient, service date, code, status and provider, then it gets its members\' matching charges only', async () => {
    const patient = `patient=Patient/${world.member.patient.patientId}`;
    expect(await search(`/fhir/ChargeItem?${patient}`)).to.have.members([world.april.id, world.may.id]);
    expect(await search(`/fhir/ChargeItem?${patient}&service-date=ge2026-04-01&service-date=le2026-04-30`)).to.deep.equal([world.april.id]);
    expect(await search(`/fhir/ChargeItem?${patient}&code=${CPT}|99214`)).to.deep.equal([world.may.id]);
    expect(await search(`/fhir/ChargeItem?${patient}&status=billable&provider=Practitioner/${world.member.doctor.practitionerId}`))
      .to.have.members([world.april.id, world.may.id]);
    expect(await search(`/fhir/ChargeItem?${patient}&_lastUpdated=ge2020-01-01`)).to.have.length(2);
    expect(await search('/fhir/ChargeItem?code=99213&_count=100')).to.include(world.april.id).and.not.include(world.theirs.id);
    await api().get(`/fhir/ChargeItem/${world.theirs.id}`).auth(insurer, { type: 'bearer' }).expect(404);
    const audits = await hospital().db.models.AuditEvent.count({ where: { resourceType: 'ChargeItem', action: 'E', activity: 'search' } });
    expect(audits).to.be.greaterThan(0);
  });

  it('when an insurer pages through claims by service date, code and status, then the pages hold its members\' claims and no other payer\'s', async () => {
    const mine = await search(`/fhir/Claim?patient=Patient/${world.member.patient.patientId}&service-date=ge2026-04-01&service-date=le2026-04-30&code=${CPT}|99213&status=active&created=ge2020-01-01`);
    expect(mine).to.deep.equal([world.claimId]);
    const first = await api().get('/fhir/Claim?_count=1').auth(insurer, { type: 'bearer' }).expect(200);
    expect(ids(first.body)).to.have.length(1);
    const seen = new Set<string>(ids(first.body));
    let next = first.body.link.find((l: { relation: string }) => l.relation === 'next')?.url as string | undefined;
    while (next) {
      const page = await api().get(new URL(next).pathname + new URL(next).search).auth(insurer, { type: 'bearer' }).expect(200);
      for (const id of ids(page.body)) seen.add(id);
      next = page.body.link.find((l: { relation: string }) => l.relation === 'next')?.url;
    }
    expect([...seen]).to.include(world.claimId).and.not.include(world.strangerClaimId);
    await api().get(`/fhir/Claim/${world.strangerClaimId}`).auth(insurer, { type: 'bearer' }).expect(404);
    expect(await search(`/fhir/Coverage?patient=Patient/${world.stranger.patient.patientId}`)).to.deep.equal([]);
    expect(await search(`/fhir/Coverage?patient=Patient/${world.member.patient.patientId}`)).to.deep.equal([world.member.coverageId]);
  });

  it('when a claim is open, then the insurer reads the clinical records its charges name as evidence, and nothing else clinical', async () => {
    await api().get(`/fhir/Encounter/${world.visit.id}`).auth(insurer, { type: 'bearer' }).expect(200);
    await api().get(`/fhir/Condition/${world.member.conditionId}`).auth(insurer, { type: 'bearer' }).expect(200);
    await api().get(`/fhir/Encounter/${world.unrelated.id}`).auth(insurer, { type: 'bearer' }).expect(404);
    expect(await search(`/fhir/Encounter?patient=Patient/${world.member.patient.patientId}`)).to.deep.equal([world.visit.id]);
    expect(await search('/fhir/Observation?_count=100')).to.deep.equal([]);
    // The stranger's claim is another payer's: its evidence stays closed to this one.
    const strangerVisit = world.theirs.context!.reference!.split('/')[1];
    await api().get(`/fhir/Encounter/${strangerVisit}`).auth(insurer, { type: 'bearer' }).expect(404);
    await api().get(`/api/patients/${world.member.patient.patientId}/readings`).auth(insurer, { type: 'bearer' }).expect(403);
    const refusal = await hospital().db.models.AuditEvent.findOne({ where: { resourceType: 'Encounter', activity: 'refused', outcome: '4' }, order: [['id', 'DESC']] });
    expect(refusal).to.not.equal(null);
  });

  it('when the payer\'s system client signs in with private_key_jwt, then it acts as the payer: searches its claims, answers one, and the evidence closes', async () => {
    const key = generateSigningKey();
    const jwks = await jwksServer([key]);
    try {
      const base = 'https://claims.demo-health.example.test';
      await api().post('/api/partners').auth(await adminToken(hospital()), { type: 'bearer' })
        .send({ name: 'Demo Health claims system', fhirBaseUrl: base, jwksUrl: jwks.url, payorId: payerId }).expect(201);
      const granted = await api().post('/auth/token')
        .send(clientCredentials(clientAssertion(key, { iss: base, aud: `${hospital().config.publicBaseUrl}/auth/token` }))).expect(200);
      expect(granted.body.scope).to.equal('system/*.read system/ClaimResponse.write');
      const system = granted.body.access_token as string;
      expect(await search(`/fhir/Claim?patient=Patient/${world.member.patient.patientId}`, system)).to.deep.equal([world.claimId]);
      await api().get(`/fhir/Claim/${world.strangerClaimId}`).auth(system, { type: 'bearer' }).expect(404);

      await api().post('/fhir/ClaimResponse').auth(system, { type: 'bearer' }).send({
        resourceType: 'ClaimResponse', status: 'active', use: 'claim', outcome: 'complete', created: '2026-05-10T08:00:00Z',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
        patient: { reference: `Patient/${world.member.patient.patientId}` }, insurer: { reference: `Organization/${payerId}` },
        request: { reference: `Claim/${world.claimId}` },
      }).expect(201);
      expect(await search(`/fhir/ExplanationOfBenefit?patient=Patient/${world.member.patient.patientId}`, system)).to.have.length(1);
      // Decided: the claim is closed, and so is its evidence.
      await api().get(`/fhir/Encounter/${world.visit.id}`).auth(insurer, { type: 'bearer' }).expect(404);
      expect(await search(`/fhir/Encounter?patient=Patient/${world.member.patient.patientId}`)).to.deep.equal([]);
    } finally {
      jwks.server.close();
    }
  });

  it('when an insurer searches claims with _include=Claim:patient, then the member\'s Patient comes with them', async () => {
    const res = await api().get(`/fhir/Claim?patient=Patient/${world.member.patient.patientId}&_include=Claim:patient`).auth(insurer, { type: 'bearer' }).expect(200);
    const included = (res.body.entry ?? []).filter((e: Entry) => e.search?.mode === 'include').map((e: Entry) => `${e.resource.resourceType}/${e.resource.id}`);
    expect(included).to.include(`Patient/${world.member.patient.patientId}`);
  });

  it('when an insurer exports charges as CSV, then the rows are exactly those of the same FHIR search, in its order', async () => {
    const query = `patient=Patient/${world.member.patient.patientId}&status=billable&_sort=service-date`;
    const fhir = await search(`/fhir/ChargeItem?${query}`);
    const csv = await api().get(`/api/billing/charges.csv?${query}`).auth(insurer, { type: 'bearer' }).expect(200);
    expect(csv.type).to.equal('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0].split(',')).to.include.members(['chargeItemId', 'serviceDate', 'code', 'status', 'reasons']);
    expect(lines.slice(1).map((line) => line.split(',')[0])).to.deep.equal(fhir).and.have.length(2);
    expect(lines[1]).to.include('2026-04-02').and.include('99213').and.include('billable');
    const others = await api().get(`/api/billing/charges.csv?patient=Patient/${world.stranger.patient.patientId}`).auth(insurer, { type: 'bearer' }).expect(200);
    expect(others.text.trim().split('\r\n')).to.have.length(1);
    await api().get('/api/billing/charges.csv?_format=xml').auth(insurer, { type: 'bearer' }).expect(400);
  });

  it('when a doctor bills top-level codes, impossible days, duplicates and minutes above the connection, then the risk flags name each, for the payer of his patients only', async () => {
    const heavy = await coveredPatient(hospital(), payerId, 'Heavy');
    const base = { patientId: heavy.patient.patientId, practitionerId: heavy.doctor.practitionerId };
    for (let n = 0; n < 3; n++) {
      const visit = await recordInPersonVisit(hospital(), heavy.patient.patientId, heavy.doctor.practitionerId);
      await chargeItem(hospital(), { ...base, encounterId: visit.id, code: '99215', date: '2026-06-09', minutes: 300 });
    }
    const visit = await recordInPersonVisit(hospital(), heavy.patient.patientId, heavy.doctor.practitionerId);
    await chargeItem(hospital(), { ...base, encounterId: visit.id, code: '99213', date: '2026-06-10', status: 'not-billable',
      reasons: [{ code: 'duplicate', display: 'Billed already on 2026-06-09.' }, { code: 'claimed-minutes-above-connected', display: 'Claimed 30, connected 12.' }] });
    const typical = await coveredPatient(hospital(), payerId, 'Typical');
    for (const code of ['99212', '99213', '99213', '99214']) {
      const v = await recordInPersonVisit(hospital(), typical.patient.patientId, typical.doctor.practitionerId);
      await chargeItem(hospital(), { patientId: typical.patient.patientId, practitionerId: typical.doctor.practitionerId, encounterId: v.id, code, date: '2026-06-11' });
    }
    const period = 'start=2026-06-01&end=2026-06-30';
    const report = (await api().get(`/api/billing/risk-flags?${period}`).auth(insurer, { type: 'bearer' }).expect(200)).body;
    const doctor = report.doctors.find((d: { practitionerId: string }) => d.practitionerId === heavy.doctor.practitionerId);
    expect(doctor.flags).to.have.members(['top-level-codes-above-mean', 'minutes-no-one-could-work', 'duplicates', 'claimed-minutes-above-connected']);
    expect(doctor.impossibleDays).to.deep.equal([{ date: '2026-06-09', minutes: 900 }]);
    expect(report.doctors.find((d: { practitionerId: string }) => d.practitionerId === typical.doctor.practitionerId).flags).to.deep.equal([]);
    const theirs = (await api().get(`/api/billing/risk-flags?${period}`).auth(world.other.token, { type: 'bearer' }).expect(200)).body;
    expect(theirs.doctors.map((d: { practitionerId: string }) => d.practitionerId)).to.not.include(heavy.doctor.practitionerId);
    await api().get(`/api/billing/risk-flags?${period}`).auth(heavy.doctor.token, { type: 'bearer' }).expect(403);
    await api().get('/api/billing/risk-flags?start=June').auth(insurer, { type: 'bearer' }).expect(400);
  });
});
