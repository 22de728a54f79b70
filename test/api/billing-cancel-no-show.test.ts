import { expect } from 'chai';
import request from 'supertest';
import { adminToken, newVisit, sessionLogWriter, startVisit } from '../support/consultations.js';
import { bookedAppointment, diagnoseHypertensionInPerson, newDoctor, newPatient } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

interface Charge { id: string; code: string; status: string; reasons: string[]; context?: string; evidence: string[] }
type Resource = {
  id: string; code: { coding: Array<{ code: string }> }; status: string; context?: { reference: string }; supportingInformation?: Array<{ reference: string }>;
  extension: Array<{ extension: Array<{ url: string; valueCoding?: { code: string } }> }>;
};
const chargeOf = (r: Resource): Charge => ({
  id: r.id, code: r.code.coding[0].code, status: r.status, context: r.context?.reference, evidence: (r.supportingInformation ?? []).map((s) => s.reference),
  reasons: r.extension[0].extension.filter((x) => x.url === 'reason' && x.valueCoding!.code !== 'qualifies').map((x) => x.valueCoding!.code),
});

describeOnEachDatabase('cancelled and no-show visits are charged not billable when it happens', (hospital) => {
  const post = (path: string, token: string, body: object = {}) => request(hospital().app).post(path).auth(token, { type: 'bearer' }).send(body);

  async function chargesOf(patientId: string): Promise<Charge[]> {
    const admin = await adminToken(hospital());
    const res = await request(hospital().app).get(`/fhir/ChargeItem?subject=Patient/${patientId}`).auth(admin, { type: 'bearer' }).expect(200);
    return (res.body.entry ?? []).map((e: { resource: Resource }) => chargeOf(e.resource));
  }

  async function historyOf(id: string): Promise<string[]> {
    const res = await request(hospital().app).get(`/fhir/ChargeItem/${id}/_history`).auth(await adminToken(hospital()), { type: 'bearer' }).expect(200);
    return res.body.entry.map((e: { resource: { status: string } }) => e.resource.status);
  }

  /** An eligible patient's appointment with a new doctor, starting at `start`, without its visit opened. */
  /** The risk flags' range from the appointment's day to today (UTC): within half an hour of midnight they differ. */
  const daysSince = (start: Date) => `start=${start.toISOString().slice(0, 10)}&end=${new Date().toISOString().slice(0, 10)}`;

  async function appointmentAt(start: Date) {
    const patient = await newPatient(hospital(), 'Absent');
    const doctor = await newDoctor(hospital(), 'Waiting');
    await diagnoseHypertensionInPerson(hospital(), patient.patientId, doctor.practitionerId);
    const appointment = await bookedAppointment(hospital(), { patientId: patient.patientId, practitionerId: doctor.practitionerId, start });
    return { patient, doctor, appointment };
  }

  it('when the patient cancels a visit, then its charge is written at once, not billable: cancelled; a second cancel changes nothing', async () => {
    const visit = await newVisit(hospital(), 'Cancelling', new Date(Date.now() + 2 * 86_400_000));
    await diagnoseHypertensionInPerson(hospital(), visit.patient.patientId, visit.doctor.practitionerId);
    await post(`/api/visits/${visit.visitId}/cancel`, visit.patient.token).expect(200);
    const charges = await chargesOf(visit.patient.patientId);
    expect(charges.map((c) => [c.code, c.status, c.context])).to.deep.equal([['99212', 'not-billable', `Encounter/${visit.visitId}`]]);
    expect(charges[0].reasons).to.include('cancelled');
    expect((await post(`/api/appointments/${visit.appointment.id}/cancel`, visit.patient.token).expect(409)).body.code).to.equal('appointment-not-active');
    expect(await historyOf(charges[0].id)).to.deep.equal(['not-billable']);
  });

  it('when a doctor cancels an appointment whose visit was never opened, then the appointment itself is charged not billable: cancelled', async () => {
    const { patient, doctor, appointment } = await appointmentAt(new Date(Date.now() + 86_400_000));
    await post(`/api/appointments/${appointment.id}/cancel`, doctor.token, { reason: 'The doctor is ill' }).expect(200);
    const charges = await chargesOf(patient.patientId);
    expect(charges.map((c) => [c.code, c.status, c.context, c.evidence])).to.deep.equal([['99212', 'not-billable', undefined, [`Appointment/${appointment.id}`]]]);
    expect(charges[0].reasons[0]).to.equal('cancelled');
  });

  it('when an in-person appointment is cancelled, then billing writes nothing: online care only', async () => {
    const patient = await newPatient(hospital(), 'InPerson');
    const doctor = await newDoctor(hospital(), 'Clinic');
    const appointment = await bookedAppointment(hospital(), { patientId: patient.patientId, practitionerId: doctor.practitionerId, start: new Date(Date.now() + 86_400_000), visitType: 'in-person' });
    await post(`/api/appointments/${appointment.id}/cancel`, doctor.token, { reason: 'Clinic closed' }).expect(200);
    expect(await chargesOf(patient.patientId)).to.deep.equal([]);
  });

  it('when the doctor marks a no-show, then the charge is not billable: no-show, and the doctor is not flagged for it', async () => {
    const start = new Date(Date.now() - 30 * 60_000);
    const { patient, doctor, appointment } = await appointmentAt(start);
    await post(`/api/appointments/${appointment.id}/no-show`, doctor.token).expect(200);
    const [charge] = await chargesOf(patient.patientId);
    expect([charge.code, charge.status, charge.reasons[0]]).to.deep.equal(['99212', 'not-billable', 'no-show']);
    const flags = await request(hospital().app).get(`/api/billing/risk-flags?${daysSince(start)}`).auth(await adminToken(hospital()), { type: 'bearer' }).expect(200);
    const mine = flags.body.doctors.find((d: { practitionerId: string }) => d.practitionerId === doctor.practitionerId);
    expect([mine.billedAfterNoShow, mine.flags]).to.deep.equal([0, []]);
  });

  it('when a visit marked a no-show is held and finished later, then it stays not billable: no-show, and insurers see the risk flag', async () => {
    const start = new Date(Date.now() - 30 * 60_000);
    const { patient, doctor, appointment } = await appointmentAt(start);
    await post(`/api/appointments/${appointment.id}/no-show`, doctor.token).expect(200);
    const [atNoShow] = await chargesOf(patient.patientId);
    const opened = await post(`/api/appointments/${appointment.id}/visit`, patient.token).expect(200);
    const visit = { patient, doctor, appointment, visitId: opened.body.id as string };
    await startVisit(hospital(), visit);
    const line = sessionLogWriter(hospital(), { appointmentId: appointment.id, encounterId: visit.visitId, patientUserId: patient.userId, doctorUserId: doctor.userId }, Date.now() - 22 * 60_000);
    await line('patient', 'connect', 0);
    await line('doctor', 'connect', 0);
    await line('patient', 'leave', 21 * 60_000);
    await line('doctor', 'leave', 21 * 60_000);
    await request(hospital().app).put(`/api/visits/${visit.visitId}/note`).auth(doctor.token, { type: 'bearer' })
      .send({ subjective: 'Came late', assessment: 'Hypertension', plan: 'Continue' }).expect(200);
    const finished = await post(`/api/visits/${visit.visitId}/finish`, doctor.token).expect(200);
    const em = finished.body.charges.find((c: { code: string }) => c.code === '99213');
    expect([em.status, em.reasons.filter((r: { code: string }) => r.code !== 'qualifies').map((r: { code: string }) => r.code)]).to.deep.equal(['not-billable', ['no-show']]);
    // The appointment's own charge gives way to the visit's, its version of the no-show kept.
    expect(await historyOf(atNoShow.id)).to.deep.equal(['entered-in-error', 'not-billable']);
    const flags = await request(hospital().app).get(`/api/billing/risk-flags?${daysSince(start)}`).auth(await adminToken(hospital()), { type: 'bearer' }).expect(200);
    const mine = flags.body.doctors.find((d: { practitionerId: string }) => d.practitionerId === doctor.practitionerId);
    expect([mine.billedAfterNoShow, mine.flags]).to.deep.equal([1, ['billed-after-no-show']]);
  });
});
