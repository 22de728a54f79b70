import type { Server } from 'node:http';
import { expect } from 'chai';
import request from 'supertest';
import { LISTED_ISSUES } from '../../server/http/error-handler.js';
import { newPatient } from '../support/factories.js';
import { heartRate } from '../support/fhir.js';
import { describeOnEachDatabase } from '../support/test-node.js';

type Outcome = { issue: Array<{ details: { text: string; coding: Array<{ code: string }> }; diagnostics: string }> };

/**
 * An Observation whose components are as small as R4 allows and that this server cannot store: a measured value
 * (the thresholds read it) whose code has no coding. ~60 bytes each, as a tester sent 20,000 of them.
 */
function withTinyComponents(patientId: string, count: number) {
  return { ...heartRate(patientId, 70), component: Array.from({ length: count }, (_, i) => ({ code: { text: 'c' }, valueQuantity: { value: i } })) };
}

/** JSON text of an extension nested `depth` levels inside the previous one (JSON.stringify itself would overflow). */
function nestedExtensionJson(depth: number): string {
  let extension = '{"url":"http://example.org/leaf","valueString":"x"}';
  for (let i = 0; i < depth; i += 1) extension = `{"url":"http://example.org/level","extension":[${extension}]}`;
  return extension;
}

const codeOf = (body: Outcome) => body.issue[0].details.coding[0].code;

describeOnEachDatabase('FHIR API: bounded work per request', (hospital) => {
  const post = (token: string, path: string, body: unknown) => request(hospital().app).post(path).auth(token, { type: 'bearer' })
    .set('Content-Type', 'application/fhir+json').send(typeof body === 'string' ? body : JSON.stringify(body));

  it('when an Observation with 19,000 unstorable components is posted, then it is answered with a short 422 and every /healthz sent meanwhile is answered', async () => {
    const patient = await newPatient(hospital(), 'Huge');
    const server: Server = hospital().app.listen(0);
    try {
      let done = false;
      const big = request(server).post('/fhir/Observation').auth(patient.token, { type: 'bearer' })
        .set('Content-Type', 'application/fhir+json').send(JSON.stringify(withTinyComponents(patient.patientId, 19_000)))
        .then((res) => { done = true; return res; });
      const health: number[] = [];
      do health.push((await request(server).get('/healthz')).status); while (!done);
      const res = await big;
      expect(res.status).to.equal(422);
      expect(codeOf(res.body)).to.equal('unprocessable-resource');
      // One issue per component (a measured component without a coded code): 19,000, of which LISTED_ISSUES are listed.
      // (19,000 × 5 elements stays under FHIR_MAX_ELEMENTS, so the mapping, not the bound, refuses it.)
      expect(res.body.issue).to.have.length(LISTED_ISSUES);
      expect(res.body.issue.at(-1).details.text).to.match(/and \d+ more issues/);
      expect(health.length).to.be.greaterThan(0);
      expect(health.every((status) => status === 200)).to.equal(true);
    } finally {
      server.close();
    }
    expect(await hospital().db.models.Observation.count({ where: { patientId: patient.patientId } })).to.equal(0);
  });

  it('when Observations with n and 2n unstorable components are posted, then the second answer is at most twice as long (work linear in the body)', async () => {
    const patient = await newPatient(hospital(), 'Linear');
    const [small, large] = await Promise.all([20, 40].map((n) => post(patient.token, '/fhir/Observation', withTinyComponents(patient.patientId, n))));
    expect([small.status, large.status]).to.deep.equal([422, 422]);
    expect(large.body.issue).to.have.length(2 * small.body.issue.length);
    expect(large.text.length).to.be.at.most(2 * small.text.length);
  });

  it('when a resource is over FHIR_MAX_ELEMENTS, then it is refused with 413 naming the limit before it is validated', async () => {
    const patient = await newPatient(hospital(), 'Many');
    const { maxElements } = hospital().config.fhirLimits;
    // Also invalid R4 (components are not numbers): the answer is the limit, so the validator never ran.
    const res = await post(patient.token, '/fhir/Observation', { ...heartRate(patient.patientId, 70), component: new Array(maxElements).fill(1) });
    expect(res.status).to.equal(413);
    expect(codeOf(res.body)).to.equal('resource-too-large');
    expect(res.body.issue[0].diagnostics).to.contain(`FHIR_MAX_ELEMENTS`).and.to.contain(String(maxElements));
  });

  it('when an extension is nested 20,000 deep, then the create and the transaction get 422 naming FHIR_MAX_DEPTH and the node keeps answering', async () => {
    const patient = await newPatient(hospital(), 'Deep');
    const deep = JSON.stringify(heartRate(patient.patientId, 70)).replace(/}$/, `,"extension":[${nestedExtensionJson(20_000)}]}`);
    const created = await post(patient.token, '/fhir/Observation', deep);
    expect(created.status).to.equal(422);
    expect(codeOf(created.body)).to.equal('resource-too-deep');
    expect(created.body.issue[0].diagnostics).to.contain('FHIR_MAX_DEPTH');
    const bundle = `{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:0b5e3c4a-1111-4d8e-9a55-000000000001",`
      + `"request":{"method":"POST","url":"Observation"},"resource":${deep}}]}`;
    const transaction = await post(patient.token, '/fhir', bundle);
    expect(transaction.status).to.equal(422);
    expect(transaction.body.issue[0].diagnostics).to.contain('Bundle.entry[0].resource').and.to.contain('FHIR_MAX_DEPTH');
    await request(hospital().app).get('/healthz').expect(200);
    expect(await hospital().db.models.Observation.count({ where: { patientId: patient.patientId } })).to.equal(0);
  });

  it("when a patient writes another patient's Observation with an invalid body, then create, update, batch and transaction are refused (403, or the 404 of a record one may not see) before validation", async () => {
    const patient = await newPatient(hospital(), 'Intruder');
    const other = await newPatient(hospital(), 'Victim');
    const stored = await post(other.token, '/fhir/Observation', heartRate(other.patientId, 70)).expect(201);
    // Not valid R4 (an unknown status code): a caller who got as far as the validator would get 400 invalid-resource.
    const invalid = { ...heartRate(other.patientId, 80), status: 'not-a-status' };
    const created = await post(patient.token, '/fhir/Observation', invalid);
    expect([created.status, codeOf(created.body)]).to.deep.equal([403, 'not-your-patient']);
    const updated = await request(hospital().app).put(`/fhir/Observation/${stored.body.id}`).auth(patient.token, { type: 'bearer' })
      .set('Content-Type', 'application/fhir+json').send(JSON.stringify({ ...invalid, id: stored.body.id }));
    expect([updated.status, codeOf(updated.body)]).to.deep.equal([404, 'resource-not-found']);
    const moved = await request(hospital().app).put(`/fhir/Observation/${stored.body.id}`).auth(other.token, { type: 'bearer' })
      .set('Content-Type', 'application/fhir+json').send(JSON.stringify({ ...invalid, id: stored.body.id, subject: { reference: `Patient/${patient.patientId}` } }));
    expect([moved.status, codeOf(moved.body)]).to.deep.equal([403, 'not-your-patient']);
    const entry = { resource: invalid, request: { method: 'POST', url: 'Observation' } };
    const batch = await post(patient.token, '/fhir', { resourceType: 'Bundle', type: 'batch', entry: [entry] }).expect(200);
    expect(batch.body.entry[0].response.status).to.equal('403');
    expect(codeOf(batch.body.entry[0].response.outcome)).to.equal('not-your-patient');
    const transaction = await post(patient.token, '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [entry] });
    expect([transaction.status, codeOf(transaction.body)]).to.deep.equal([403, 'not-your-patient']);
    // The caller who may write gets the validator's answer for the same body.
    const own = await post(other.token, '/fhir/Observation', invalid);
    expect([own.status, codeOf(own.body)]).to.deep.equal([400, 'invalid-resource']);
    expect(await hospital().db.models.Observation.count({ where: { patientId: other.patientId } })).to.equal(1);
  });

  it('when a Bundle has more entries than BUNDLE_MAX_ENTRIES, then it is refused with 413 naming the cap and nothing is stored', async () => {
    const patient = await newPatient(hospital(), 'Bulk');
    const cap = hospital().config.fhirLimits.bundleMaxEntries;
    const entry = Array.from({ length: cap + 1 }, (_, i) => ({ resource: heartRate(patient.patientId, 60 + (i % 60)), request: { method: 'POST', url: 'Observation' } }));
    for (const type of ['transaction', 'batch']) {
      const res = await post(patient.token, '/fhir', { resourceType: 'Bundle', type, entry });
      expect(res.status, type).to.equal(413);
      expect(codeOf(res.body)).to.equal('bundle-too-large');
      expect(res.body.issue[0].diagnostics).to.contain(`at most ${cap}`).and.to.contain('BUNDLE_MAX_ENTRIES');
    }
    expect(await hospital().db.models.Observation.count({ where: { patientId: patient.patientId } })).to.equal(0);
  });
});
