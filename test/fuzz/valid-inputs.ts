import type { RouteEntry } from './route-table.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The records a fuzz run points its valid inputs at (made once per database). */
export interface FuzzFixture {
  patientId: string;
  practitionerId: string;
  visitId: string;
  appointmentId: string;
  prescriptionId: string;
  lineId: string;
  accessCode: string;
  /** Every id above, for parameters no sample names. */
  ids: string[];
}

/** A valid request to start mutating from: its query and, for POST/PUT, its body. */
export interface ValidInput {
  query: Record<string, string>;
  body?: Json;
}

const now = () => new Date().toISOString();
/** A closed port: a partner registered by a fuzz case fails at once instead of waiting for a timeout. */
const NOWHERE = 'http://127.0.0.1:9/fhir';

const observation = (f: FuzzFixture): Json => ({
  resourceType: 'Observation', status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: `Patient/${f.patientId}` }, effectiveDateTime: now(),
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

const resources: Record<string, (f: FuzzFixture) => Json> = {
  Observation: observation,
  Patient: () => ({ resourceType: 'Patient', name: [{ use: 'official', family: 'Fuzz', given: ['Ada'] }], gender: 'female', birthDate: '1970-01-01' }),
  Condition: (f) => ({
    resourceType: 'Condition', subject: { reference: `Patient/${f.patientId}` },
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10', display: 'Essential (primary) hypertension' }] },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  }),
  Organization: () => ({ resourceType: 'Organization', name: 'Fuzz Clinic' }),
};

const searches: Record<string, (f: FuzzFixture) => Record<string, string>> = {
  Observation: (f) => ({ patient: `Patient/${f.patientId}`, date: 'ge2020-01-01', code: '8867-4', _count: '5', _sort: '-date' }),
  Patient: () => ({ name: 'Al', birthdate: 'ge1950', _count: '5', _sort: 'family' }),
  Encounter: (f) => ({ patient: f.patientId, _count: '5' }),
  AuditEvent: () => ({ _count: '5' }),
};

const parameters = (values: Record<string, string>): Json =>
  ({ resourceType: 'Parameters', parameter: Object.entries(values).map(([name, valueString]) => ({ name, valueString })) });

/** Valid bodies and queries by `METHOD path`; routes not listed start from an empty object and are fuzzed all the same. */
const byRoute: Record<string, (f: FuzzFixture) => ValidInput> = {
  'POST /auth/token': () => ({ query: {}, body: { grant_type: 'password', username: 'alice@demo.test', password: 'wrong password!', scope: 'patient/*.read' } }),
  'POST /auth/session': () => ({ query: {}, body: { username: 'alice@demo.test', password: 'wrong password!' } }),
  'POST /api/patients': () => ({ query: {}, body: { email: `fuzz.${Math.random().toString(36).slice(2)}@example.test`, password: 'a long enough password', givenName: 'Ada', familyName: 'Fuzz', birthDate: '1970-02-28', gender: 'female', timeZone: 'Europe/Paris' } }),
  'POST /api/staff': () => ({ query: {}, body: { email: `staff.${Math.random().toString(36).slice(2)}@example.test`, password: 'a long enough password', role: 'doctor', givenName: 'Ada', familyName: 'Fuzz' } }),
  'GET /api/audit-events': (f) => ({ query: { patient: f.patientId, since: '2024-01-01T00:00:00Z', limit: '10' } }),
  'GET /api/slots': (f) => ({ query: { practitioner: f.practitionerId, visitType: 'in-person', from: now(), limit: '5' } }),
  'GET /api/appointments': () => ({ query: { status: 'booked,cancelled', from: '2024-01-01T00:00:00Z', limit: '5' } }),
  'POST /api/appointments': (f) => ({ query: {}, body: { slotId: f.ids[0], visitType: 'in-person' } }),
  'POST /api/appointments/:id/reschedule': (f) => ({ query: {}, body: { slotId: f.ids[0] } }),
  'POST /api/appointments/:id/cancel': () => ({ query: {}, body: { reason: 'fuzzing' } }),
  'PUT /api/practitioners/:practitionerId/availability': () => ({ query: {}, body: { timeZone: 'UTC', slotMinutes: 30, rules: [{ weekday: 1, start: '09:00', end: '12:00', visitTypes: ['in-person'] }], exceptions: [{ date: '2030-01-01', reason: 'holiday' }] } }),
  'POST /api/patients/:patientId/readings': () => ({ query: {}, body: { code: '85354-9', components: [{ code: '8480-6', value: 130, unit: 'mm[Hg]' }, { code: '8462-4', value: 85, unit: 'mm[Hg]' }], effectiveAt: now(), entryMethod: 'device', deviceName: 'cuff' } }),
  'GET /api/patients/:patientId/readings': () => ({ query: { code: '85354-9', from: '2024-01-01T00:00:00Z', limit: '10' } }),
  'PUT /api/patients/:patientId/care-plan': () => ({ query: {}, body: { bloodPressure: { stage2Systolic: 140, stage2Diastolic: 90 }, glucose: { lowMgDl: 70, highMgDl: null } } }),
  'GET /api/alerts': () => ({ query: { status: 'open' } }),
  'GET /api/patients/:patientId/eligibility': () => ({ query: { condition: 'I10' } }),
  'POST /api/diagnosis-documents/:documentId/review': () => ({ query: {}, body: { decision: 'accept', code: 'I10', display: 'Hypertension', note: 'ok' } }),
  'POST /api/visits/:visitId/cancel': () => ({ query: {}, body: { reason: 'fuzzing' } }),
  'POST /api/visits/:visitId/needs-in-person-care': () => ({ query: {}, body: { reason: 'the condition changed' } }),
  'PUT /api/visits/:visitId/note': () => ({ query: {}, body: { subjective: 'well', assessment: 'stable', plan: 'continue' } }),
  'POST /api/visits/:visitId/note/amendments': () => ({ query: {}, body: { subjective: 'well', assessment: 'stable', plan: 'continue', reason: 'typo' } }),
  'GET /api/visits/:visitId/messages': () => ({ query: { after: '0' } }),
  'POST /api/visits/:visitId/messages': () => ({ query: {}, body: { text: 'hello' } }),
  'POST /api/visits/:visitId/disputes': () => ({ query: {}, body: { reason: 'the doctor never came' } }),
  'GET /api/disputes': () => ({ query: { status: 'open' } }),
  'POST /api/disputes/:disputeId/resolution': () => ({ query: {}, body: { outcome: 'upheld', resolution: 'refunded' } }),
  'GET /api/visits/:visitId/exam-results': () => ({ query: { fresh: 'false' } }),
  'POST /api/partners': () => ({ query: {}, body: { name: 'Nowhere Hospital', fhirBaseUrl: NOWHERE, jwksUrl: `${NOWHERE}/jwks.json` } }),
  'POST /api/patients/:patientId/consents': (f) => ({ query: {}, body: { partnerId: f.ids[0], partnerPatientId: 'p-1' } }),
  'POST /api/prescriptions': (f) => ({ query: {}, body: { encounterId: f.visitId, lines: [{ drugCode: 'C09AA05', dose: '1 tablet', frequency: 'once daily', quantity: 7, supplyDays: 7 }] } }),
  'POST /api/prescriptions/:id/review': () => ({ query: {}, body: { decision: 'reject', reasonCode: 'interaction', note: 'no' } }),
  'POST /api/dispensations': (f) => ({ query: {}, body: { code: f.accessCode } }),
  'POST /api/dispensations/:id/hand-over': () => ({ query: {}, body: { dispenses: [{ lineNo: 1, quantity: 7 }] } }),
  'POST /fhir': (f) => ({ query: {}, body: { resourceType: 'Bundle', type: 'batch', entry: [
    { request: { method: 'GET', url: `Patient/${f.patientId}` } },
    { request: { method: 'GET', url: 'Observation?_count=2' } },
    { fullUrl: 'urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427', resource: observation(f), request: { method: 'POST', url: 'Observation' } },
  ] as Json[] } }),
  'POST /api/billing/catalogue': () => ({ query: {}, body: { version: 'fuzz-1', entries: [{
    system: 'http://www.ama-assn.org/go/cpt', code: '99212', description: 'Video visit, 10+ min', jurisdiction: 'US', category: 'em-established',
    unit: 'visit', minMinutes: 10, validFrom: '2025-01-01',
  }] } }),
  'POST /api/visits/:visitId/finish': () => ({ query: {}, body: { level: '99212' } }),
  'PUT /api/billing/payers/:payerId/agreement': () => ({ query: {}, body: { internetCareAgreement: true } }),
  'POST /api/billing/claims/submit': () => ({ query: {}, body: { start: '2026-01-01', end: '2026-01-31' } }),
  'GET /api/billing/risk-flags': () => ({ query: { start: '2026-01-01', end: '2026-01-31' } }),
  'GET /api/billing/charges.csv': (f) => ({ query: { patient: `Patient/${f.patientId}`, status: 'billable', _sort: 'service-date' } }),
  'POST /fhir/Task/:id/$lookup': (f) => ({ query: {}, body: parameters({ accessCode: f.accessCode }) }),
  'POST /fhir/Task/:id/$accept': (f) => ({ query: {}, body: parameters({ accessCode: f.accessCode }) }),
  'POST /fhir/Task/:id/$reject': () => ({ query: {}, body: parameters({ secret: 'not-the-secret' }) }),
  'POST /fhir/Task/:id/$close': (f) => ({ query: {}, body: { resourceType: 'Parameters', parameter: [{ name: 'secret', valueString: 'not-the-secret' }, {
    name: 'dispense', resource: { resourceType: 'MedicationDispense', status: 'completed', authorizingPrescription: [{ reference: `MedicationRequest/${f.lineId}` }], quantity: { value: 7 } },
  }] as Json[] } }),
};

/** The valid input for a route (and, under /fhir/:type, for the resource type chosen). */
/** Own entries only: the type comes from the fuzzer and may be `__proto__`. */
const own = <T>(table: Record<string, T>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

export function validInputFor(route: RouteEntry, fixture: FuzzFixture, type: string): ValidInput {
  const key = `${route.method} ${route.path.replace(/\\\$/g, '$')}`;
  const sample = own(byRoute, key);
  if (sample) return sample(fixture);
  if (route.path === '/fhir/:type' || route.path === '/fhir/:type/_search') {
    if (route.method === 'POST' && route.path === '/fhir/:type') return { query: {}, body: (own(resources, type) ?? (() => ({ resourceType: type })))(fixture) };
    const query = (own(searches, type) ?? (() => ({ _count: '5' })))(fixture);
    return route.method === 'POST' ? { query: {}, body: query } : { query };
  }
  if (route.path === '/fhir/:type/:id' && route.method === 'PUT') return { query: {}, body: (own(resources, type) ?? (() => ({ resourceType: type })))(fixture) };
  if (route.path === '/fhir/:type/:id/:operation' || (route.path === '/fhir/:type/:id' && route.method === 'POST')) {
    return { query: {}, body: { resourceType: 'Parameters', parameter: [{ name: '_since', valueInstant: '2024-01-01T00:00:00Z' }] } };
  }
  return { query: {}, ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: {} }) };
}

export type { Json };
