import request from 'supertest';
import type { Caller } from '../../server/auth/caller.js';
import { moveVisit, visitForAppointment } from '../../server/consultations/visit-lifecycle.js';
import { bookedAppointment, diagnoseHypertensionInPerson, newDoctor, newPatient } from './factories.js';
import type { TestNode } from './test-node.js';

export const PHARMACIST = 'pharm.li@demo.test';

export const RAMIPRIL = { drugCode: 'C09AA05', dose: '1 tablet', frequency: 'once daily', quantity: 7, supplyDays: 7 };

/** A patient with hypertension diagnosed in person, a new doctor, and their follow-up visit in progress. */
export async function openFollowUpVisit(hospital: TestNode, opts: { eligible?: boolean; status?: 'in-progress' | 'finished' | 'planned' } = {}) {
  const patient = await newPatient(hospital, 'Rx');
  const doctor = await newDoctor(hospital, 'Rx');
  if (opts.eligible !== false) await diagnoseHypertensionInPerson(hospital, patient.patientId, doctor.practitionerId);
  const appointment = await bookedAppointment(hospital, { patientId: patient.patientId, practitionerId: doctor.practitionerId });
  const visit = await visitForAppointment(hospital.db, appointment.id);
  const caller: Caller = {
    userId: doctor.userId, role: 'doctor', patientId: null, practitionerId: doctor.practitionerId,
    organizationId: null, scopes: ['user/*.write'], ip: '127.0.0.1', requestId: 'rx-test',
  };
  const status = opts.status ?? 'in-progress';
  if (status !== 'planned') await moveVisit(hospital.db, caller, visit.id, 'in-progress');
  if (status === 'finished') await moveVisit(hospital.db, caller, visit.id, 'finished');
  return { patient, doctor, visit };
}

export async function issuePrescription(hospital: TestNode, setup: Awaited<ReturnType<typeof openFollowUpVisit>>, body: Record<string, unknown> = {}) {
  return request(hospital.app).post('/api/prescriptions').auth(setup.doctor.token, { type: 'bearer' })
    .send({ encounterId: setup.visit.id, lines: [RAMIPRIL], ...body });
}

/** A prescription issued, approved by the demo pharmacist, with the patient's code: ready to dispense. */
export async function readyPrescription(hospital: TestNode, body: Record<string, unknown> = {}) {
  const setup = await openFollowUpVisit(hospital);
  const issued = await issuePrescription(hospital, setup, body);
  if (issued.status !== 201) throw new Error(`prescribing failed: ${JSON.stringify(issued.body)}`);
  const pharmacistToken = await hospital.tokenFor(PHARMACIST);
  const approved = await request(hospital.app).post(`/api/prescriptions/${issued.body.id}/review`)
    .auth(pharmacistToken, { type: 'bearer' }).send({ decision: 'approve' });
  if (approved.status !== 200) throw new Error(`approval failed: ${JSON.stringify(approved.body)}`);
  const code = await request(hospital.app).get(`/api/prescriptions/${issued.body.id}/code`).auth(setup.patient.token, { type: 'bearer' });
  return { ...setup, id: issued.body.id as string, lines: issued.body.lines as { id: string; lineNo: number; quantity: number }[], accessCode: code.body.accessCode as string, code: code.body.uri as string, pharmacistToken };
}

export const parameters = (values: Record<string, string>, resources: { name: string; resource: unknown }[] = []) => ({
  resourceType: 'Parameters',
  parameter: [...Object.entries(values).map(([name, valueString]) => ({ name, valueString })), ...resources],
});

export const dispenseOf = (lineId: string, quantity: number) => ({
  name: 'dispense',
  resource: { resourceType: 'MedicationDispense', status: 'completed', authorizingPrescription: [{ reference: `MedicationRequest/${lineId}` }], quantity: { value: quantity } },
});

export const param = (body: { parameter?: { name: string; valueString?: string; valueBase64Binary?: string }[] }, name: string) =>
  body.parameter?.find((p) => p.name === name);

/** The machine-readable error code of an OperationOutcome. */
export const outcomeCode = (body: { issue?: { details?: { coding?: { code: string }[] } }[] }) => body.issue?.[0]?.details?.coding?.[0]?.code;

/** A resource a doctor in the patient's care records through /fhir (a partner's medicine, an allergy); its id. */
export async function recordThroughFhir(hospital: TestNode, token: string, resource: Record<string, unknown>): Promise<string> {
  const res = await request(hospital.app).post(`/fhir/${String(resource.resourceType)}`).auth(token, { type: 'bearer' })
    .set('Content-Type', 'application/fhir+json').send(resource);
  if (res.status !== 201) throw new Error(`recording the ${String(resource.resourceType)} failed: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** An active MedicationRequest of an ATC-coded drug for the patient, as a partner hospital (`source`) sent it. */
export const medicineFrom = (patientId: string, atc: string, display: string, source?: string, status = 'active') => ({
  resourceType: 'MedicationRequest', status, intent: 'order', ...(source ? { meta: { source } } : {}),
  medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: atc, display }] },
  subject: { reference: `Patient/${patientId}` },
});

/** An active allergy of the patient to `substance`. */
export const allergyTo = (patientId: string, substance: string, reaction: string) => ({
  resourceType: 'AllergyIntolerance', patient: { reference: `Patient/${patientId}` }, criticality: 'high',
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
  code: { text: substance }, reaction: [{ manifestation: [{ text: reaction }] }],
});
