import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { chargePeriods } from '../../server/billing/period-charges.js';
import { adminToken, sessionLogWriter } from '../support/consultations.js';
import { bookedAppointment, diagnoseHypertensionInPerson, newDoctor, newPatient } from '../support/factories.js';
import { cover } from '../support/billing.js';
import { describeOnEachDatabase } from '../support/test-node.js';

const DAY = 86_400_000;

interface Charge { code: string; status: string; identifier: string; reasons: string[]; quantity: number }

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

  async function chargesOf(patientId: string): Promise<Charge[]> {
    const admin = await adminToken(hospital());
    const res = await request(hospital().app).get(`/fhir/ChargeItem?subject=Patient/${patientId}`).auth(admin, { type: 'bearer' }).expect(200);
    return (res.body.entry ?? []).map((e: { resource: { code: { coding: Array<{ code: string }> }; status: string; quantity: { value: number }; identifier: Array<{ value: string }>; extension: Array<{ extension: Array<{ url: string; valueCoding?: { code: string } }> }> } }) => ({
      code: e.resource.code.coding[0].code, status: e.resource.status, identifier: e.resource.identifier[0].value, quantity: e.resource.quantity.value,
      reasons: e.resource.extension[0].extension.filter((x) => x.url === 'reason' && x.valueCoding!.code !== 'qualifies').map((x) => x.valueCoding!.code),
    }));
  }

  const deviceSupply = (charges: Charge[]) => charges.filter((c) => c.code === '99454' || c.code === '99445');

  it('when a 30-day window has 16 days of device readings, then 99454 is billable; with 15 days, 99445 instead', async () => {
    const sixteen = await monitoredPatient();
    const start16 = await deviceReadingsOn(sixteen.patient, 16);
    const fifteen = await monitoredPatient();
    await deviceReadingsOn(fifteen.patient, 15);
    await chargePeriods(hospital().node);
    expect(deviceSupply(await chargesOf(sixteen.patient.patientId))).to.deep.equal([
      { code: '99454', status: 'billable', identifier: `${sixteen.patient.patientId}:99454:${start16}`, reasons: [], quantity: 1 },
    ]);
    expect(deviceSupply(await chargesOf(fifteen.patient.patientId)).map((c) => [c.code, c.status])).to.deep.equal([['99445', 'billable']]);
  });

  it('when the first 30-day window of monitoring has 16 days of device data, then the set-up 99453 is billable once; with 15 days it is not', async () => {
    const results: Array<[number, string, string[]]> = [];
    for (const days of [15, 16]) {
      const { patient } = await monitoredPatient();
      const start = await deviceReadingsOn(patient, days);
      await chargePeriods(hospital().node);
      // A later run, a window later, does not set the device up again: the episode has one 99453.
      await chargePeriods(hospital().node, new Date(Date.now() + 30 * DAY));
      const setUps = (await chargesOf(patient.patientId)).filter((c) => c.code === '99453');
      expect(setUps.map((c) => c.identifier), `${days} days`).to.deep.equal([`${patient.patientId}:99453:${start}`]);
      results.push([days, setUps[0].status, setUps[0].reasons]);
    }
    expect(results).to.deep.equal([[15, 'not-billable', ['minutes-below-minimum']], [16, 'billable', []]]);
  });

  it('when the loop runs again with nothing changed, then no new version is written', async () => {
    const { patient } = await monitoredPatient();
    await deviceReadingsOn(patient, 16);
    await chargePeriods(hospital().node);
    const [charge] = deviceSupply(await chargesOf(patient.patientId));
    await chargePeriods(hospital().node);
    const admin = await adminToken(hospital());
    const id = (await request(hospital().app).get(`/fhir/ChargeItem?identifier=${encodeURIComponent(charge.identifier)}`).auth(admin, { type: 'bearer' }).expect(200)).body.entry[0].resource.id;
    const history = await request(hospital().app).get(`/fhir/ChargeItem/${id}/_history`).auth(admin, { type: 'bearer' }).expect(200);
    expect(history.body.total).to.equal(1);
  });

  /** A monitored patient whose monitoring doctor saw her by video for `minutes` connected minutes last month. */
  async function managedLastMonth(minutes: number) {
    const { patient, doctor } = await monitoredPatient();
    const now = new Date();
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 10, 9));
    const appointment = await bookedAppointment(hospital(), { patientId: patient.patientId, practitionerId: doctor.practitionerId, start: lastMonth, minutes: 90 });
    const visit = await hospital().db.models.Encounter.create({
      id: crypto.randomUUID(), patientId: patient.patientId, practitionerId: doctor.practitionerId, organizationId: null, encounterClass: 'VR',
      status: 'finished', periodStart: lastMonth, periodEnd: new Date(lastMonth.getTime() + 90 * 60_000), source: null, appointmentId: appointment.id,
    });
    const line = sessionLogWriter(hospital(), { appointmentId: appointment.id, encounterId: visit.id, patientUserId: patient.userId, doctorUserId: doctor.userId }, lastMonth.getTime());
    await line('patient', 'connect', 0);
    await line('doctor', 'connect', 0);
    await line('patient', 'leave', minutes * 60_000 + 10_000);
    await line('doctor', 'leave', minutes * 60_000 + 10_000);
    await chargePeriods(hospital().node);
    return chargesOf(patient.patientId);
  }

  it('when the monitoring doctor and the patient were connected 20 minutes last month, then 99457 is billable; 19 minutes are not enough', async () => {
    const results: Array<[number, string, string[]]> = [];
    for (const minutes of [19, 20]) {
      const [charge] = await managedLastMonth(minutes);
      results.push([minutes, `${charge.code} ${charge.status}`, charge.reasons]);
    }
    expect(results).to.deep.equal([[19, '99457 not-billable', ['minutes-below-minimum']], [20, '99457 billable', []]]);
  });

  it('when last month had 40 minutes of interactive time, then the add-on 99458 is billable beside 99457; 39 minutes are not enough, 60 make two units', async () => {
    const results: Array<[number, string, string[], number]> = [];
    for (const minutes of [20, 39, 40, 60]) {
      const charges = await managedLastMonth(minutes);
      expect(charges.find((c) => c.code === '99457')?.status, `${minutes} min`).to.equal('billable');
      const addOn = charges.find((c) => c.code === '99458');
      results.push(addOn ? [minutes, addOn.status, addOn.reasons, addOn.quantity] : [minutes, 'none', [], 0]);
    }
    expect(results).to.deep.equal([
      [20, 'none', [], 0], [39, 'not-billable', ['minutes-below-minimum'], 1], [40, 'billable', [], 1], [60, 'billable', [], 2],
    ]);
  });

  it('when 99457 is not billable for the month, then its add-on 99458 is not billable either: add-on without its primary', async () => {
    const charges = await managedLastMonth(45);
    const payer = await hospital().db.models.Organization.create({ id: crypto.randomUUID(), name: 'No Agreement Mutual', kind: 'payer', identifier: `payer-${crypto.randomBytes(4).toString('hex')}` });
    const patientId = charges[0].identifier.split(':')[0];
    await cover(hospital(), patientId, payer.id);
    await chargePeriods(hospital().node);
    const after = await chargesOf(patientId);
    expect(after.find((c) => c.code === '99457')).to.include({ status: 'not-billable' });
    const addOn = after.find((c) => c.code === '99458')!;
    expect([addOn.status, addOn.reasons]).to.deep.equal(['not-billable', ['payer-no-agreement', 'add-on-without-primary']]);
  });
});
