import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { chargeMonitoringPeriods } from '../../server/billing/period-charges.js';
import { adminToken, sessionLogWriter } from '../support/consultations.js';
import { bookedAppointment, diagnoseHypertensionInPerson, newDoctor, newPatient } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

const DAY = 86_400_000;

describeOnEachDatabase('period charges of remote monitoring, computed by the housekeeping loop', (hospital) => {
  /** A patient monitored at home by a doctor (a care plan), without readings yet. */
  async function monitoredPatient() {
    const node = hospital();
    const patient = await newPatient(node, 'Monitored');
    const doctor = await newDoctor(node, 'Monitoring');
    await diagnoseHypertensionInPerson(node, patient.patientId, doctor.practitionerId);
    await request(node.app).put(`/api/patients/${patient.patientId}/care-plan`).auth(doctor.token, { type: 'bearer' }).send({}).expect(200);
    return { patient, doctor };
  }

  /** Device readings on `days` distinct days of the 30-day window that starts 40 days ago (the last completed one). */
  async function deviceReadingsOn(patient: { patientId: string; token: string }, days: number) {
    const origin = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - 40 * DAY;
    for (let day = 0; day < days; day++) {
      await request(hospital().app).post(`/api/patients/${patient.patientId}/readings`).auth(patient.token, { type: 'bearer' })
        .send({ code: '29463-7', value: 70, unit: 'kg', effectiveAt: new Date(origin + day * DAY + 8 * 3600_000).toISOString(), entryMethod: 'device' })
        .expect(201);
    }
    return new Date(origin).toISOString().slice(0, 10);
  }

  async function chargesOf(patientId: string) {
    const admin = await adminToken(hospital());
    const res = await request(hospital().app).get(`/fhir/ChargeItem?subject=Patient/${patientId}`).auth(admin, { type: 'bearer' }).expect(200);
    return (res.body.entry ?? []).map((e: { resource: { code: { coding: Array<{ code: string }> }; status: string; identifier: Array<{ value: string }>; extension: Array<{ extension: Array<{ url: string; valueCoding?: { code: string } }> }> } }) => ({
      code: e.resource.code.coding[0].code, status: e.resource.status, identifier: e.resource.identifier[0].value,
      reasons: e.resource.extension[0].extension.filter((x) => x.url === 'reason' && x.valueCoding!.code !== 'qualifies').map((x) => x.valueCoding!.code),
    }));
  }

  it('when a 30-day window has 16 days of device readings, then 99454 is billable; with 15 days, 99445 instead', async () => {
    const sixteen = await monitoredPatient();
    const start16 = await deviceReadingsOn(sixteen.patient, 16);
    const fifteen = await monitoredPatient();
    await deviceReadingsOn(fifteen.patient, 15);
    await chargeMonitoringPeriods(hospital().node);
    expect(await chargesOf(sixteen.patient.patientId)).to.deep.equal([
      { code: '99454', status: 'billable', identifier: `${sixteen.patient.patientId}:99454:${start16}`, reasons: [] },
    ]);
    expect((await chargesOf(fifteen.patient.patientId)).map((c: { code: string; status: string }) => [c.code, c.status])).to.deep.equal([['99445', 'billable']]);
  });

  it('when the loop runs again with nothing changed, then no new version is written', async () => {
    const { patient } = await monitoredPatient();
    await deviceReadingsOn(patient, 16);
    await chargeMonitoringPeriods(hospital().node);
    const [charge] = await chargesOf(patient.patientId);
    await chargeMonitoringPeriods(hospital().node);
    const admin = await adminToken(hospital());
    const id = (await request(hospital().app).get(`/fhir/ChargeItem?identifier=${encodeURIComponent(charge.identifier)}`).auth(admin, { type: 'bearer' }).expect(200)).body.entry[0].resource.id;
    const history = await request(hospital().app).get(`/fhir/ChargeItem/${id}/_history`).auth(admin, { type: 'bearer' }).expect(200);
    expect(history.body.total).to.equal(1);
  });

  it('when the monitoring doctor and the patient were connected 20 minutes last month, then 99457 is billable; 19 minutes are not enough', async () => {
    const results: Array<[number, string, string[]]> = [];
    for (const minutes of [19, 20]) {
      const { patient, doctor } = await monitoredPatient();
      const now = new Date();
      const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 10, 9));
      const appointment = await bookedAppointment(hospital(), { patientId: patient.patientId, practitionerId: doctor.practitionerId, start: lastMonth, minutes: 30 });
      const visit = await hospital().db.models.Encounter.create({
        id: crypto.randomUUID(), patientId: patient.patientId, practitionerId: doctor.practitionerId, organizationId: null, encounterClass: 'VR',
        status: 'finished', periodStart: lastMonth, periodEnd: new Date(lastMonth.getTime() + 30 * 60_000), source: null, appointmentId: appointment.id,
      });
      const line = sessionLogWriter(hospital(), { appointmentId: appointment.id, encounterId: visit.id, patientUserId: patient.userId, doctorUserId: doctor.userId }, lastMonth.getTime());
      await line('patient', 'connect', 0);
      await line('doctor', 'connect', 0);
      await line('patient', 'leave', minutes * 60_000 + 10_000);
      await line('doctor', 'leave', minutes * 60_000 + 10_000);
      await chargeMonitoringPeriods(hospital().node);
      const [charge] = await chargesOf(patient.patientId);
      results.push([minutes, `${charge.code} ${charge.status}`, charge.reasons]);
    }
    expect(results).to.deep.equal([[19, '99457 not-billable', ['minutes-below-minimum']], [20, '99457 billable', []]]);
  });
});
