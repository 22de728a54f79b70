import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { book, doctorWithSlots, freeSlotsOf, quickPatient, slotAt } from '../support/appointments.js';
import { chargeItem, coveredPatient, demoPayerId, otherPayer } from '../support/billing.js';
import { adminToken, newVisit, PDF_BYTES, startVisit } from '../support/consultations.js';
import { closeServer, fakeIssuer, registerPartner } from '../support/exchange.js';
import { bookedAppointment, newDoctor, newPatient, uniqueEmail } from '../support/factories.js';
import { issuePrescription, openFollowUpVisit, PHARMACIST, RAMIPRIL, readyPrescription } from '../support/prescriptions.js';
import { routesOf } from '../support/route-table.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';
import { recordsBefore, writtenRecords } from '../support/written-records.js';

/**
 * Issue 12: every /api write that creates or changes a resource leaves a stored version and an audit event. The
 * routes come from the built app's route table: each write route is declared here, either with how to call it
 * successfully (its fixture made first, outside the measured call) or with the reason it writes no record. A new
 * route that is not declared fails the test; one that writes behind the repository fails its call.
 */

/** The request under test, made once its fixture is in place. */
type Send = () => request.Test;
type Arrange = (hospital: TestNode) => Promise<Send>;
/**
 * `call`: how to call the route successfully; `auditsUnkept`: why its audit event of a write may name a record the
 * repository does not keep. `writesNoRecord`: why the route is not called here.
 */
type Declaration = { call: Arrange; auditsUnkept?: string } | { writesNoRecord: string };

const WRITE = /^(POST|PUT|PATCH|DELETE) \/(api|auth)\//;
const bearer = { type: 'bearer' as const };
const api = (hospital: TestNode) => request(hospital.app);
const note = { subjective: 'Headache on waking', assessment: 'Hypertension, controlled', plan: 'Continue ramipril' };
const bloodPressure = (systolic: number, diastolic: number) => ({
  code: '85354-9', effectiveAt: new Date().toISOString(), entryMethod: 'device', deviceName: 'Omron M7',
  components: [{ code: '8480-6', value: systolic, unit: 'mm[Hg]' }, { code: '8462-4', value: diastolic, unit: 'mm[Hg]' }],
});

/** A patient's in-person booking with a doctor who publishes slots; `soon`: a slot starting in three minutes. */
async function inPersonBooking(hospital: TestNode, soon = false) {
  const doctor = await doctorWithSlots(hospital);
  const patient = await quickPatient(hospital);
  const [slot, other] = await freeSlotsOf(hospital, doctor.practitionerId);
  const booked = soon ? await slotAt(hospital, doctor.practitionerId, new Date(Date.now() + 3 * 60_000)) : slot;
  const appointment = (await book(hospital, patient.token, booked.id).expect(201)).body as { id: string };
  return { doctor, patient, appointment, other };
}

type Visit = Awaited<ReturnType<typeof newVisit>>;
type VisitStage = 'opened' | 'started' | 'noted' | 'finished';

/** A new visit taken to `stage`: opened by the patient, started (arrived, admitted), its note written, finished. */
async function visitAt(hospital: TestNode, stage: VisitStage): Promise<Visit> {
  const visit = await newVisit(hospital, 'Written');
  if (stage === 'opened') return visit;
  await startVisit(hospital, visit);
  if (stage === 'started') return visit;
  await api(hospital).put(`/api/visits/${visit.visitId}/note`).auth(visit.doctor.token, bearer).send(note).expect(200);
  if (stage === 'finished') await api(hospital).post(`/api/visits/${visit.visitId}/finish`).auth(visit.doctor.token, bearer).send({}).expect(200);
  return visit;
}

/** A call on a new visit, made once the visit is at `stage`. */
function onVisit(stage: VisitStage, send: (api: ReturnType<typeof request>, visit: Visit) => request.Test): Arrange {
  return async (hospital) => {
    const visit = await visitAt(hospital, stage);
    return () => send(api(hospital), visit);
  };
}

async function openDispute(hospital: TestNode) {
  const visit = await visitAt(hospital, 'finished');
  const res = await api(hospital).post(`/api/visits/${visit.visitId}/disputes`).auth(visit.patient.token, bearer).send({ reason: 'The call lasted 3 minutes' }).expect(201);
  return res.body.id as string;
}

async function partnerConsent(hospital: TestNode, partnerPatientId?: string, url = `https://${crypto.randomBytes(4).toString('hex')}.partner.example.test`) {
  const patient = await newPatient(hospital, 'Consenting');
  const partnerId = await registerPartner(hospital, { url }, `Partner ${url}`);
  await api(hospital).post(`/api/patients/${patient.patientId}/consents`).auth(patient.token, bearer).send({ partnerId, partnerPatientId }).expect(201);
  return { patient, partnerId };
}

/** A partner that answers the pull with one in-person visit and the hypertension diagnosed at it. */
async function partnerWithDiagnosis() {
  const partner = await fakeIssuer([]);
  const subject = { reference: 'Patient/p1' };
  const encounter = { resourceType: 'Encounter', id: 'enc-1', subject, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, period: { start: '2025-06-01T09:00:00Z', end: '2025-06-01T09:30:00Z' } };
  const condition = {
    resourceType: 'Condition', id: 'cond-1', subject, encounter: { reference: 'Encounter/enc-1' }, recordedDate: '2025-06-01',
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10', display: 'Essential (primary) hypertension' }] },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
  };
  const byType: Record<string, object[]> = { Encounter: [encounter], Condition: [condition] };
  partner.state.search = (url) => {
    const type = /\/fhir\/(\w+)/.exec(url)?.[1] ?? '';
    return { resourceType: 'Bundle', type: 'searchset', entry: (byType[type] ?? []).map((resource) => ({ resource })) };
  };
  return partner;
}

const PHARMACY_WORK_RECORD = 'the pharmacy\'s dispensation is its work record of a prescription held at the issuer, audited as the MedicationDispense it leads to; the issuer\'s Task and MedicationDispense are the records';

const partners: Array<Awaited<ReturnType<typeof fakeIssuer>>> = [];

/** Every write route of the app: how to call it successfully, or why it writes no record. */
const ROUTES: Record<string, Declaration> = {
  'POST /auth/token': { writesNoRecord: 'signs in: an access token and a refresh token, no clinical or administrative resource' },
  'POST /auth/session': { writesNoRecord: 'signs in the browser: a session cookie, no resource' },
  'POST /auth/session/refresh': { writesNoRecord: 'rotates the browser session\'s refresh token, no resource' },
  'DELETE /auth/session': { writesNoRecord: 'signs out: the session ends, no resource' },
  'POST /api/practitioners/:practitionerId/availability/preview': { writesNoRecord: 'computes the slots a rule set would give; stores nothing' },
  'POST /api/appointments/:id/video-token': { writesNoRecord: 'issues a short-lived room token (audited as an access); no resource changes' },
  'POST /api/notifications/:notificationId/read': { writesNoRecord: 'marks the reader\'s own inbox line read: a delivery flag, no resource' },
  'POST /api/partners': { writesNoRecord: 'the partner registry is trust configuration (a FHIR base URL and a JWKS URL), like the signing keys; audited as an act' },
  'POST /api/billing/catalogue': { writesNoRecord: 'the service-code catalogue is configuration, kept whole per version; no resource' },

  'POST /api/patients': { call: async (h) => () => api(h).post('/api/patients').send({ email: uniqueEmail('new'), password: 'correct horse battery', givenName: 'New', familyName: 'Patient' }) },
  'POST /api/staff': {
    call: async (h) => {
      const admin = await adminToken(h);
      return () => api(h).post('/api/staff').auth(admin, bearer).send({ email: uniqueEmail('dr'), password: 'correct horse battery', role: 'doctor', givenName: 'Ada', familyName: 'Staff' });
    },
  },
  'PUT /api/practitioners/:practitionerId/availability': {
    call: async (h) => {
      const doctor = await newDoctor(h, 'Avail');
      return () => api(h).put(`/api/practitioners/${doctor.practitionerId}/availability`).auth(doctor.token, bearer).send({
        timeZone: 'UTC', slotMinutes: 30, horizonDays: 2, rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '10:00', visitTypes: ['in-person'] })),
      });
    },
  },
  'POST /api/appointments': {
    call: async (h) => {
      const doctor = await doctorWithSlots(h);
      const patient = await quickPatient(h);
      const [slot] = await freeSlotsOf(h, doctor.practitionerId);
      return () => book(h, patient.token, slot.id);
    },
  },
  'POST /api/appointments/:id/cancel': {
    call: async (h) => {
      const { patient, appointment } = await inPersonBooking(h);
      return () => api(h).post(`/api/appointments/${appointment.id}/cancel`).auth(patient.token, bearer).send({ reason: 'Feeling better' });
    },
  },
  'POST /api/appointments/:id/reschedule': {
    call: async (h) => {
      const { patient, appointment, other } = await inPersonBooking(h);
      return () => api(h).post(`/api/appointments/${appointment.id}/reschedule`).auth(patient.token, bearer).send({ slotId: other.id });
    },
  },
  'POST /api/appointments/:id/arrived': {
    call: async (h) => {
      const { doctor, appointment } = await inPersonBooking(h, true);
      return () => api(h).post(`/api/appointments/${appointment.id}/arrived`).auth(doctor.token, bearer);
    },
  },
  'POST /api/appointments/:id/no-show': {
    call: async (h) => {
      const patient = await newPatient(h, 'Absent');
      const doctor = await newDoctor(h, 'Waiting');
      const appointment = await bookedAppointment(h, { patientId: patient.patientId, practitionerId: doctor.practitionerId, start: new Date(Date.now() - 10 * 60_000), visitType: 'in-person' });
      return () => api(h).post(`/api/appointments/${appointment.id}/no-show`).auth(doctor.token, bearer);
    },
  },
  'POST /api/patients/:patientId/diagnosis-documents': {
    call: async (h) => {
      const patient = await newPatient(h, 'Letter');
      return () => api(h).post(`/api/patients/${patient.patientId}/diagnosis-documents?title=Letter&diagnosedOn=2024-01-01`)
        .auth(patient.token, bearer).set('Content-Type', 'application/pdf').send(PDF_BYTES);
    },
  },
  'POST /api/diagnosis-documents/:documentId/review': {
    call: async (h) => {
      const visit = await newVisit(h, 'Reviewed');
      const document = await api(h).post(`/api/patients/${visit.patient.patientId}/diagnosis-documents?title=Letter&diagnosedOn=2024-01-01`)
        .auth(visit.patient.token, bearer).set('Content-Type', 'application/pdf').send(PDF_BYTES).expect(201);
      return () => api(h).post(`/api/diagnosis-documents/${document.body.id as string}/review`).auth(visit.doctor.token, bearer).send({ decision: 'accept', code: 'I10' });
    },
  },
  'POST /api/appointments/:appointmentId/visit': {
    call: async (h) => {
      const patient = await newPatient(h, 'Opening');
      const doctor = await newDoctor(h, 'Opening');
      const appointment = await bookedAppointment(h, { patientId: patient.patientId, practitionerId: doctor.practitionerId });
      return () => api(h).post(`/api/appointments/${appointment.id}/visit`).auth(patient.token, bearer);
    },
  },
  'POST /api/visits/:visitId/arrive': { call: onVisit('opened', (a, v) => a.post(`/api/visits/${v.visitId}/arrive`).auth(v.patient.token, bearer)) },
  'POST /api/visits/:visitId/admit': {
    call: async (h) => {
      const visit = await newVisit(h, 'Admitted');
      await api(h).post(`/api/visits/${visit.visitId}/arrive`).auth(visit.patient.token, bearer).expect(200);
      return () => api(h).post(`/api/visits/${visit.visitId}/admit`).auth(visit.doctor.token, bearer);
    },
  },
  'POST /api/visits/:visitId/finish': { call: onVisit('noted', (a, v) => a.post(`/api/visits/${v.visitId}/finish`).auth(v.doctor.token, bearer).send({})) },
  'POST /api/visits/:visitId/cancel': { call: onVisit('opened', (a, v) => a.post(`/api/visits/${v.visitId}/cancel`).auth(v.doctor.token, bearer).send({ reason: 'Doctor unwell' })) },
  'POST /api/visits/:visitId/needs-in-person-care': { call: onVisit('started', (a, v) => a.post(`/api/visits/${v.visitId}/needs-in-person-care`).auth(v.doctor.token, bearer).send({ reason: 'Chest pain: ECG in person' })) },
  'PUT /api/visits/:visitId/note': { call: onVisit('started', (a, v) => a.put(`/api/visits/${v.visitId}/note`).auth(v.doctor.token, bearer).send(note)) },
  'POST /api/visits/:visitId/note/amendments': { call: onVisit('finished', (a, v) => a.post(`/api/visits/${v.visitId}/note/amendments`).auth(v.doctor.token, bearer).send({ ...note, plan: 'Amlodipine 5 mg', reason: 'dose typo' })) },
  'POST /api/visits/:visitId/messages': { call: onVisit('opened', (a, v) => a.post(`/api/visits/${v.visitId}/messages`).auth(v.patient.token, bearer).send({ text: 'My readings are attached' })) },
  'POST /api/visits/:visitId/attachments': { call: onVisit('opened', (a, v) => a.post(`/api/visits/${v.visitId}/attachments?name=letter.pdf`).auth(v.patient.token, bearer).set('Content-Type', 'application/pdf').send(PDF_BYTES)) },
  'POST /api/visits/:visitId/disputes': { call: onVisit('finished', (a, v) => a.post(`/api/visits/${v.visitId}/disputes`).auth(v.patient.token, bearer).send({ reason: 'The call lasted 3 minutes' })) },
  'POST /api/disputes/:disputeId/resolution': {
    call: async (h) => {
      const disputeId = await openDispute(h);
      const admin = await adminToken(h);
      return () => api(h).post(`/api/disputes/${disputeId}/resolution`).auth(admin, bearer).send({ outcome: 'rejected', resolution: 'The session log shows 25 minutes.' });
    },
  },
  'POST /api/patients/:patientId/consents': {
    call: async (h) => {
      const patient = await newPatient(h, 'Consent');
      const partnerId = await registerPartner(h, { url: `https://${crypto.randomBytes(4).toString('hex')}.example.test` }, 'Consented');
      return () => api(h).post(`/api/patients/${patient.patientId}/consents`).auth(patient.token, bearer).send({ partnerId });
    },
  },
  'POST /api/patients/:patientId/consents/:partnerId/revoke': {
    call: async (h) => {
      const { patient, partnerId } = await partnerConsent(h);
      return () => api(h).post(`/api/patients/${patient.patientId}/consents/${partnerId}/revoke`).auth(patient.token, bearer);
    },
  },
  'POST /api/patients/:patientId/partner-records/pull': {
    call: async (h) => {
      const partner = await partnerWithDiagnosis();
      partners.push(partner);
      const { patient } = await partnerConsent(h, 'p1', partner.url);
      return () => api(h).post(`/api/patients/${patient.patientId}/partner-records/pull`).auth(patient.token, bearer);
    },
  },
  'POST /api/patients/:patientId/readings': { call: onVisit('opened', (a, v) => a.post(`/api/patients/${v.patient.patientId}/readings`).auth(v.patient.token, bearer).send(bloodPressure(185, 100))) },
  'PUT /api/patients/:patientId/care-plan': { call: onVisit('opened', (a, v) => a.put(`/api/patients/${v.patient.patientId}/care-plan`).auth(v.doctor.token, bearer).send({})) },
  'POST /api/alerts/:alertId/acknowledge': {
    call: async (h) => {
      const visit = await newVisit(h, 'Alerted');
      const reading = await api(h).post(`/api/patients/${visit.patient.patientId}/readings`).auth(visit.patient.token, bearer).send(bloodPressure(200, 110)).expect(201);
      return () => api(h).post(`/api/alerts/${reading.body.alerts[0].id as string}/acknowledge`).auth(visit.doctor.token, bearer).send({ minutes: 5 });
    },
  },
  'POST /api/prescriptions': {
    call: async (h) => {
      const setup = await openFollowUpVisit(h);
      return () => request(h.app).post('/api/prescriptions').auth(setup.doctor.token, bearer).send({ encounterId: setup.visit.id, lines: [RAMIPRIL] });
    },
  },
  'POST /api/prescriptions/:id/review': {
    call: async (h) => {
      const issued = await issuePrescription(h, await openFollowUpVisit(h));
      const pharmacist = await h.tokenFor(PHARMACIST);
      return () => api(h).post(`/api/prescriptions/${issued.body.id as string}/review`).auth(pharmacist, bearer).send({ decision: 'approve' });
    },
  },
  'POST /api/prescriptions/:id/cancel': {
    call: async (h) => {
      const setup = await openFollowUpVisit(h);
      const issued = await issuePrescription(h, setup);
      return () => api(h).post(`/api/prescriptions/${issued.body.id as string}/cancel`).auth(setup.doctor.token, bearer);
    },
  },
  'POST /api/dispensations': {
    auditsUnkept: PHARMACY_WORK_RECORD,
    call: async (h) => {
      const rx = await readyPrescription(h);
      return () => api(h).post('/api/dispensations').auth(rx.pharmacistToken, bearer).send({ code: rx.code });
    },
  },
  'POST /api/dispensations/:id/hand-over': {
    auditsUnkept: PHARMACY_WORK_RECORD,
    call: async (h) => {
      const rx = await readyPrescription(h);
      const taken = await api(h).post('/api/dispensations').auth(rx.pharmacistToken, bearer).send({ code: rx.code }).expect(201);
      return () => api(h).post(`/api/dispensations/${taken.body.id as string}/hand-over`).auth(rx.pharmacistToken, bearer).send({ dispenses: [{ lineNo: 1, quantity: 7 }] });
    },
  },
  'POST /api/dispensations/:id/give-back': {
    auditsUnkept: PHARMACY_WORK_RECORD,
    call: async (h) => {
      const rx = await readyPrescription(h);
      const taken = await api(h).post('/api/dispensations').auth(rx.pharmacistToken, bearer).send({ code: rx.code }).expect(201);
      return () => api(h).post(`/api/dispensations/${taken.body.id as string}/give-back`).auth(rx.pharmacistToken, bearer);
    },
  },
  'POST /api/visits/:visitId/charges/recompute': {
    call: async (h) => {
      const visit = await visitAt(h, 'finished');
      const admin = await adminToken(h);
      return () => api(h).post(`/api/visits/${visit.visitId}/charges/recompute`).auth(admin, bearer);
    },
  },
  'PUT /api/billing/payers/:payerId/agreement': {
    call: async (h) => {
      const payer = await otherPayer(h);
      const admin = await adminToken(h);
      return () => api(h).put(`/api/billing/payers/${payer.payerId}/agreement`).auth(admin, bearer).send({ internetCareAgreement: true });
    },
  },
  'POST /api/billing/claims/submit': {
    call: async (h) => {
      const covered = await coveredPatient(h, await demoPayerId(h), 'Claimed');
      await chargeItem(h, { patientId: covered.patient.patientId, practitionerId: covered.doctor.practitionerId, encounterId: covered.diagnosisVisitId, code: '99213', date: '2026-02-10', price: 90 });
      const admin = await adminToken(h);
      return () => api(h).post('/api/billing/claims/submit').auth(admin, bearer).send({ start: '2026-02-01', end: '2026-02-28' });
    },
  },
};

describeOnEachDatabase('every /api write leaves a stored version and an audit event (issue 12)', (hospital) => {
  after(() => Promise.all(partners.splice(0).map((partner) => closeServer(partner.server))));

  it('when the app has a write route, then the table says how to call it or why it writes no record', () => {
    const writes = routesOf(hospital().app).filter((route) => WRITE.test(route));
    const undeclared = writes.filter((route) => !ROUTES[route]);
    expect(undeclared, 'write routes missing from test/api/api-writes-versioned.test.ts').to.deep.equal([]);
    expect(Object.keys(ROUTES).filter((route) => !writes.includes(route)), 'declared routes the app no longer has').to.deep.equal([]);
  });

  it('when each write route is called, then every resource it created or changed has its versions and an audit event naming it', async function () {
    // Forty-odd calls, each with its own fixture (visits, prescriptions, partners): more than mocha's 60 s on a busy machine.
    this.timeout(600_000);
    const unrecorded: string[] = [];
    for (const [route, declaration] of Object.entries(ROUTES)) {
      if (!('call' in declaration)) continue;
      const send = await declaration.call(hospital());
      const before = await recordsBefore(hospital());
      const res = await send();
      if (res.status >= 300) {
        unrecorded.push(`${route}: ${res.status} ${JSON.stringify(res.body)}`);
        continue;
      }
      const written = await writtenRecords(hospital(), before);
      if (written.resources.length === 0) unrecorded.push(`${route}: stored no resource (if that is right, declare why with writesNoRecord)`);
      const problems = declaration.auditsUnkept ? written.problems : [...written.problems, ...written.strayAudits];
      unrecorded.push(...problems.map((problem) => `${route}: ${problem}`));
    }
    expect(unrecorded, unrecorded.join('\n')).to.deep.equal([]);
  });
});
