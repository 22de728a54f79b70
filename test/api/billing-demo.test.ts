import { expect } from 'chai';
import request from 'supertest';
import { seedDemoStory } from '../../db/seeds/demo-story.js';
import { describeOnEachDatabase, startTestNode, type TestNode } from '../support/test-node.js';

type Decision = Array<{ url: string; valueCoding?: { code: string } }>;
interface Resource { resourceType: string; id: string; status: string; code?: { coding: Array<{ code: string }> }; extension?: Array<{ extension: Decision }>; outcome?: string; payment?: { amount: { value: number } } }

describeOnEachDatabase('the demo seed has billed visits', (hospital) => {
  let demo: TestNode;
  let aliceId: string;
  before(async function () {
    this.timeout(240_000);
    demo = await startTestNode(hospital().dialect);
    await seedDemoStory(demo.db, demo.node.keys, demo.config);
    aliceId = (await demo.db.models.User.findOne({ where: { email: 'alice@demo.test' }, rejectOnEmpty: true })).patientId!;
  });

  const reasonsOf = (r: Resource) => (r.extension?.[0]?.extension ?? []).filter((e) => e.url === 'reason' && e.valueCoding?.code !== 'qualifies').map((e) => e.valueCoding!.code);
  async function search(token: string, query: string): Promise<Resource[]> {
    const res = await request(demo.app).get(`/fhir/${query}`).auth(token, { type: 'bearer' }).expect(200);
    return (res.body.entry ?? []).filter((e: { search?: { mode: string } }) => e.search?.mode !== 'include').map((e: { resource: Resource }) => e.resource);
  }

  it('when a demo node starts, then Alice\'s finished video visit has one billable charge and one not billable with its reason', async () => {
    const chen = await demo.db.models.User.findOne({ where: { email: 'dr.chen@demo.test' }, rejectOnEmpty: true });
    const visit = await demo.db.models.Encounter.findOne({ where: { practitionerId: chen.practitionerId!, encounterClass: 'VR', status: 'finished' }, rejectOnEmpty: true });
    const res = await request(demo.app).get(`/api/visits/${visit.id}/charges`).auth(await demo.tokenFor('dr.chen@demo.test'), { type: 'bearer' }).expect(200);
    const charges = (res.body as Array<{ code: string; status: string; reasons: Array<{ code: string }> }>)
      .map((c) => [c.code, c.status, c.reasons.filter((r) => r.code !== 'qualifies').map((r) => r.code)]);
    expect(charges).to.have.deep.members([['99212', 'billable', []], ['G2252', 'not-billable', ['mutually-exclusive']]]);
  });

  it('when the demo insurer searches its members\' billing, then it finds a billable charge, one refused with its reason, and a paid claim with its EOB', async () => {
    const insurer = await demo.tokenFor('insurer@demo.test');
    const charges = await search(insurer, `ChargeItem?patient=Patient/${aliceId}`);
    const summary = charges.map((c) => [c.code!.coding[0].code, c.status, reasonsOf(c)]);
    expect(summary).to.deep.include.members([
      ['99212', 'billable', []], ['G2252', 'not-billable', ['mutually-exclusive']],
      ['99454', 'billable', []], ['99453', 'billable', []],
    ]);
    const noShow = summary.filter(([code, status]) => code === '99212' && status === 'not-billable');
    expect(noShow.map(([, , reasons]) => (reasons as string[])[0])).to.deep.equal(['no-show']);
    const claims = await search(insurer, `Claim?patient=Patient/${aliceId}`);
    expect(claims.map((c) => c.status)).to.deep.equal(['active']);
    const explanations = await search(insurer, `ExplanationOfBenefit?patient=Patient/${aliceId}`);
    expect(explanations.map((e) => [e.outcome, e.payment?.amount.value])).to.deep.equal([['complete', 44]]);
  });

  it('when Alice opens her bills, then she sees what the visit cost and what the insurer paid, and why the missed visit is not billed', async () => {
    const res = await request(demo.app).get(`/api/patients/${aliceId}/billing`).auth(await demo.tokenFor('alice@demo.test'), { type: 'bearer' }).expect(200);
    const visits = res.body.visits as Array<{ status: string; cost?: { value: number }; insurerPaid?: { value: number }; charges: Array<{ code: string; reasons: string[] }> }>;
    const paid = visits.filter((v) => v.status === 'paid');
    expect(paid.map((v) => [v.cost?.value, v.insurerPaid?.value])).to.deep.equal([[55, 44]]);
    const refused = visits.filter((v) => v.status === 'not-billable');
    expect(refused).to.have.length(1);
    expect(refused[0].charges[0].reasons[0]).to.equal('no-show');
    expect(visits.filter((v) => v.status === 'not-claimed').map((v) => v.cost?.value)).to.deep.equal([65]);
  });
});
