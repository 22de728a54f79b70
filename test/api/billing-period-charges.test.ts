import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { chargePeriods } from '../../server/billing/period-charges.js';
import { adminToken, sessionLogWriter, startVisit } from '../support/consultations.js';
import { bookedAppointment, diagnoseHypertensionInPerson, newDoctor, newPatient, recorded } from '../support/factories.js';
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

  /** A charge's decision inputs and its evidence (supportingInformation references). */
  async function explanationOf(patientId: string, code: string): Promise<{ inputs: Record<string, unknown>; evidence: string[] }> {
    const admin = await adminToken(hospital());
    const res = await request(hospital().app).get(`/fhir/ChargeItem?subject=Patient/${patientId}`).auth(admin, { type: 'bearer' }).expect(200);
    type Resource = { code: { coding: Array<{ code: string }> }; supportingInformation?: Array<{ reference: string }>; extension: Array<{ extension: Array<{ url: string; valueString?: string }> }> };
    const charge = (res.body.entry as Array<{ resource: Resource }>).map((e) => e.resource).find((r) => r.code.coding[0].code === code)!;
    return {
      inputs: JSON.parse(charge.extension[0].extension.find((x) => x.url === 'inputs')!.valueString!),
      evidence: (charge.supportingInformation ?? []).map((r) => r.reference),
    };
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
    const visit = await recorded(hospital(), 'Encounter', await hospital().db.models.Encounter.create({
      id: crypto.randomUUID(), patientId: patient.patientId, practitionerId: doctor.practitionerId, organizationId: null, encounterClass: 'VR',
      status: 'finished', periodStart: lastMonth, periodEnd: new Date(lastMonth.getTime() + 90 * 60_000), source: null, appointmentId: appointment.id,
    }));
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
    const payer = await recorded(hospital(), 'Organization', await hospital().db.models.Organization.create({
      id: crypto.randomUUID(), name: 'No Agreement Mutual', kind: 'payer', identifier: `payer-${crypto.randomBytes(4).toString('hex')}`,
    }));
    const patientId = charges[0].identifier.split(':')[0];
    await cover(hospital(), patientId, payer.id);
    await chargePeriods(hospital().node);
    const after = await chargesOf(patientId);
    expect(after.find((c) => c.code === '99457')).to.include({ status: 'not-billable' });
    const addOn = after.find((c) => c.code === '99458')!;
    expect([addOn.status, addOn.reasons]).to.deep.equal(['not-billable', ['payer-no-agreement', 'add-on-without-primary']]);
  });

  /** The first day of the month after this one: the loop then decides this month's treatment management. */
  const NEXT_MONTH = () => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 2));
  const note = { subjective: 'Home readings reviewed', assessment: 'Hypertension', plan: 'Continue' };

  /**
   * A monitored patient this month: a video visit with the monitoring doctor of `video` connected minutes, and one crisis
   * alert per entry of `alerts` the doctor acknowledged documenting that many minutes.
   */
  async function interactiveThisMonth(video: number, alerts: number[]) {
    const node = hospital();
    const { patient, doctor } = await monitoredPatient();
    const monthStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1, 0, 1));
    const appointment = await bookedAppointment(node, { patientId: patient.patientId, practitionerId: doctor.practitionerId, start: monthStart, minutes: 90 });
    const visit = await recorded(node, 'Encounter', await node.db.models.Encounter.create({
      id: crypto.randomUUID(), patientId: patient.patientId, practitionerId: doctor.practitionerId, organizationId: null, encounterClass: 'VR',
      status: 'finished', periodStart: monthStart, periodEnd: new Date(monthStart.getTime() + 90 * 60_000), source: null, appointmentId: appointment.id,
    }));
    const line = sessionLogWriter(node, { appointmentId: appointment.id, encounterId: visit.id, patientUserId: patient.userId, doctorUserId: doctor.userId }, monthStart.getTime());
    await line('patient', 'connect', 0);
    await line('doctor', 'connect', 0);
    await line('patient', 'leave', video * 60_000 + 10_000);
    await line('doctor', 'leave', video * 60_000 + 10_000);
    const alertIds: string[] = [];
    for (const minutes of alerts) {
      const crisis = {
        code: '85354-9', effectiveAt: new Date().toISOString(), entryMethod: 'device', deviceName: 'Omron M7',
        components: [{ code: '8480-6', value: 200, unit: 'mm[Hg]' }, { code: '8462-4', value: 110, unit: 'mm[Hg]' }],
      };
      const raised = (await request(node.app).post(`/api/patients/${patient.patientId}/readings`).auth(patient.token, { type: 'bearer' }).send(crisis).expect(201)).body.alerts;
      await request(node.app).post(`/api/alerts/${raised[0].id}/acknowledge`).auth(doctor.token, { type: 'bearer' }).send({ minutes }).expect(200);
      alertIds.push(raised[0].id as string);
    }
    return { patient, doctor, visitId: visit.id, alertIds };
  }

  it('when acknowledged alerts\' minutes take the month from 19 to 20 minutes of interactive time, then 99457 becomes billable, the alert in its inputs and evidence', async () => {
    const results: Array<[number, string, string[]]> = [];
    for (const alertMinutes of [4, 5]) {
      const { patient, visitId, alertIds } = await interactiveThisMonth(15, [alertMinutes]);
      await chargePeriods(hospital().node, NEXT_MONTH());
      const charge = (await chargesOf(patient.patientId)).find((c) => c.code === '99457')!;
      results.push([15 + alertMinutes, charge.status, charge.reasons]);
      const { inputs, evidence } = await explanationOf(patient.patientId, '99457');
      expect(inputs).to.deep.include({ interactiveMinutes: 15 + alertMinutes, videoMinutes: 15, alertMinutes, alerts: [{ alertId: alertIds[0], minutes: alertMinutes }] });
      expect(evidence).to.include.members([`Encounter/${visitId}`, `Flag/${alertIds[0]}`]);
    }
    expect(results).to.deep.equal([[19, 'not-billable', ['minutes-below-minimum']], [20, 'billable', []]]);
  });

  it('when acknowledged alerts\' minutes take the month from 39 to 40 minutes, then the add-on 99458 becomes billable', async () => {
    const results: Array<[number, string, string[]]> = [];
    for (const alerts of [[5, 4], [5, 5]]) {
      const { patient } = await interactiveThisMonth(30, alerts);
      await chargePeriods(hospital().node, NEXT_MONTH());
      const charges = await chargesOf(patient.patientId);
      expect(charges.find((c) => c.code === '99457')?.status).to.equal('billable');
      const addOn = charges.find((c) => c.code === '99458')!;
      results.push([30 + alerts[0] + alerts[1], addOn.status, addOn.reasons]);
    }
    expect(results).to.deep.equal([[39, 'not-billable', ['minutes-below-minimum']], [40, 'billable', []]]);
  });

  it('when the monitoring doctor documents minutes on audio-only and chat visits, then they count toward 99457 once, and the chat visit is no e-visit', async () => {
    const node = hospital();
    const { patient, doctor } = await interactiveThisMonth(5, []);
    const held: string[] = [];
    for (const [contactMode, documentedMinutes] of [['audio-only', 8], ['chat', 7]] as const) {
      const appointment = await bookedAppointment(node, { patientId: patient.patientId, practitionerId: doctor.practitionerId });
      const visitId = (await request(node.app).post(`/api/appointments/${appointment.id}/visit`).auth(patient.token, { type: 'bearer' }).expect(200)).body.id as string;
      await request(node.app).post(`/api/visits/${visitId}/messages`).auth(patient.token, { type: 'bearer' }).send({ text: 'My readings are high' }).expect(201);
      await startVisit(node, { patient, doctor, appointment, visitId });
      await request(node.app).put(`/api/visits/${visitId}/note`).auth(doctor.token, { type: 'bearer' }).send({ ...note, contactMode, documentedMinutes }).expect(200);
      await request(node.app).post(`/api/visits/${visitId}/finish`).auth(doctor.token, { type: 'bearer' }).send({}).expect(200);
      held.push(visitId);
    }
    await chargePeriods(node, NEXT_MONTH());
    const charges = await chargesOf(patient.patientId);
    const { inputs, evidence } = await explanationOf(patient.patientId, '99457');
    expect([charges.find((c) => c.code === '99457')?.status, inputs.interactiveMinutes, inputs.documentedMinutes]).to.deep.equal(['billable', 20, 15]);
    expect(evidence).to.include.members(held.map((id) => `Encounter/${id}`));
    expect(charges.filter((c) => /^9942[123]$/.test(c.code)), 'the chat visit is interactive time, not also an e-visit').to.deep.equal([]);
  });
});
