import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, RESPONSE_KEY } from 'fhir-kit-client';
import type { TestNode } from './test-node.js';

/** The node listening on 127.0.0.1 port 0, with fhir-kit-client clients signed in as anyone. */
export interface FhirTestServer {
  base: string;
  client(token: string): Client;
  close(): Promise<void>;
}

export async function startFhirServer(hospital: TestNode): Promise<FhirTestServer> {
  const server: Server = hospital.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  return {
    base,
    client: (token) => new Client({ baseUrl: base, bearerToken: token }),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The HTTP response behind a fhir-kit-client result (for headers such as ETag and Location). */
export function responseOf(result: object): Response {
  return (result as Record<typeof RESPONSE_KEY, Response>)[RESPONSE_KEY];
}

/** The status and OperationOutcome of a request fhir-kit-client rejected. */
export async function failureOf(promise: Promise<unknown>): Promise<{ status: number; data: { resourceType?: string; issue?: Array<{ expression?: string[]; details?: { coding?: Array<{ code?: string }> } }> } }> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: { status: number; data: never } }).response;
    if (response) return response;
    throw error;
  }
  throw new Error('expected the request to fail');
}

/** An Observation of a blood-pressure-like single value for a patient. */
export function heartRate(patientId: string, value: number, effective = new Date().toISOString()) {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: effective,
    valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

/** A laboratory result Observation (mg/dL unless told), as a partner's lab would record it. */
export function labResult(patientId: string, code: string, display: string, value: number, opts: { unit?: string; effective?: string } = {}) {
  const unit = opts.unit ?? 'mg/dL';
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: 'http://loinc.org', code, display }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: opts.effective ?? '2026-09-01T08:00:00Z',
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}

/** A lipid panel DiagnosticReport (LOINC 24331-1) over the given result Observation ids. */
export function lipidPanel(patientId: string, resultIds: string[], opts: { effective?: string; conclusion?: string } = {}) {
  return {
    resourceType: 'DiagnosticReport',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '24331-1', display: 'Lipid 1996 panel - Serum or Plasma' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: opts.effective ?? '2026-09-01T08:00:00Z',
    issued: '2026-09-02T10:00:00Z',
    performer: [{ display: 'Central laboratory' }],
    result: resultIds.map((id) => ({ reference: `Observation/${id}` })),
    conclusion: opts.conclusion ?? 'LDL above target.',
  };
}
