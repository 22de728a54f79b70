import { evalFhirPath } from '@medplum/core';
import { expect } from 'chai';
import request from 'supertest';
import { registeredTypes } from '../../server/fhir/registry.js';
import { indexedParametersOf } from '../../server/fhir/repository/r4-search-parameters.js';
import { newDoctor } from '../support/factories.js';
import { minimalResource } from '../support/minimal-resources.js';
import { withoutServerElements } from '../support/server-elements.js';
import { describeOnEachDatabase } from '../support/test-node.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The search queries that must find a resource, worked out here from the official expressions and the values the
 * resource holds (not from the server's lookup rows): a token's code, a reference, the start of a string.
 */
function searchesFor(resource: Json): string[] {
  const queries: string[] = [];
  for (const param of indexedParametersOf(String(resource.resourceType))) {
    if (!['token', 'string', 'reference'].includes(param.kind)) continue;
    for (const value of evalFhirPath(param.expression, resource)) {
      if (param.kind === 'token' && (typeof value === 'string' || typeof value === 'boolean')) queries.push(`${param.code}=${String(value)}`);
      else if (param.kind === 'token' && isObject(value) && typeof value.code === 'string') queries.push(`${param.code}=${String(value.system ?? '')}|${value.code}`);
      else if (param.kind === 'token' && isObject(value) && typeof value.value === 'string' && typeof value.system === 'string') queries.push(`${param.code}=${value.system}|${value.value}`);
      else if (param.kind === 'token' && isObject(value) && typeof value.text === 'string') queries.push(`${param.code}:text=${value.text.slice(0, 4)}`);
      else if (param.kind === 'string' && typeof value === 'string') queries.push(`${param.code}=${value.slice(0, 3).toUpperCase()}`);
      else if (param.kind === 'reference' && isObject(value) && typeof value.reference === 'string') queries.push(`${param.code}=${value.reference}`);
    }
  }
  return [...new Set(queries)].slice(0, 3);
}

describeOnEachDatabase('FHIR repository: every R4 type round trips losslessly', (hospital) => {
  // Task is stored by the repository too, but written only by its acts (prescriptions/fhir-task.ts): not created here.
  const types = () => registeredTypes().filter((d) => d.store && d.interactions.includes('create')).map((d) => d.type);

  it('when the repository serves its types, then they are every R4 type but the 14 domain ones and the 4 refused', () => {
    expect(types()).to.have.length(129);
    expect(types()).to.include.members(['AllergyIntolerance', 'DocumentReference', 'Medication', 'MedicationRequest', 'Questionnaire', 'Bundle']);
    expect(types()).not.to.include.members(['Patient', 'Observation', 'Task', 'Parameters', 'OperationOutcome', 'Subscription']);
  });

  it('when a doctor creates a minimal resource of each type, then read, vread, _history, _id and its own values give it back element for element', async function () {
    this.timeout(240_000);
    const doctor = await newDoctor(hospital(), 'RoundTrip');
    const app = hospital().app;
    const as = <T extends request.Test>(call: T) => call.auth(doctor.token, { type: 'bearer' });
    const wrong: string[] = [];
    let searched = 0;
    // A ClaimResponse is the payer's answer to a claim, posted only by that insurer (test/api/billing-claims.test.ts).
    for (const type of types().filter((t) => t !== 'ClaimResponse')) {
      const sent = minimalResource(type);
      const created = await as(request(app).post(`/fhir/${type}`)).send(sent);
      if (created.status !== 201) { wrong.push(`${type}: create ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`); continue; }
      const { id } = created.body as { id: string };
      const read = await as(request(app).get(`/fhir/${type}/${id}`)).expect(200);
      const vread = await as(request(app).get(`/fhir/${type}/${id}/_history/1`)).expect(200);
      for (const [what, body] of [['create', created.body], ['read', read.body], ['vread', vread.body]] as const) {
        try {
          expect(withoutServerElements(body as Json), `${type} ${what}`).to.deep.equal(sent);
        } catch (error) {
          wrong.push((error as Error).message.slice(0, 300));
        }
      }
      expect(read.body.meta).to.deep.include({ versionId: '1' });
      const history = await as(request(app).get(`/fhir/${type}/${id}/_history`)).expect(200);
      if (history.body.entry?.[0]?.resource?.id !== id) wrong.push(`${type}: not in its _history`);
      const byId = await as(request(app).get(`/fhir/${type}`).query({ _id: id })).expect(200);
      if (byId.body.entry?.[0]?.resource?.id !== id) wrong.push(`${type}: not found by _id`);
      for (const query of searchesFor(sent)) {
        const found = await as(request(app).get(`/fhir/${type}?${query.replace(/\|/g, '%7C')}&_count=100`)).expect(200);
        searched++;
        if (!(found.body.entry ?? []).some((e: { resource?: { id?: string } }) => e.resource?.id === id)) wrong.push(`${type}: not found by ${query}`);
      }
    }
    expect(wrong, wrong.join('\n')).to.deep.equal([]);
    // Most types have a status, an identifier or a name to be found by; the round trip must have searched by them.
    expect(searched).to.be.greaterThan(types().length - 1);
  });
});
