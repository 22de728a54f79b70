import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { escalateOverdueAlerts } from '../../server/monitoring/alerts.js';
import { adminToken, newVisit } from '../support/consultations.js';
import { newPatient, recorded } from '../support/factories.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

const DAY = 86_400_000;
const bp = (systolic: number, diastolic: number, at = new Date()) => ({
  code: '85354-9', effectiveAt: at.toISOString(), entryMethod: 'device', deviceName: 'Omron M7',
  components: [{ code: '8480-6', value: systolic, unit: 'mm[Hg]' }, { code: '8462-4', value: diastolic, unit: 'mm[Hg]' }],
});

/** A free video follow-up slot of the doctor, `hours` from now. */
async function freeSlot(hospital: TestNode, practitionerId: string, hours: number) {
  const schedule = await recorded(hospital, 'Schedule', await hospital.db.models.Schedule.create({
    id: crypto.randomUUID(), practitionerId, timeZone: 'UTC', slotMinutes: 20, bufferMinutes: 0, horizonDays: 14,
  }));
  const start = new Date(Date.now() + hours * 3_600_000);
  return recorded(hospital, 'Slot', await hospital.db.models.Slot.create({
    id: crypto.randomUUID(), scheduleId: schedule.id, practitionerId, start, end: new Date(start.getTime() + 20 * 60_000),
    visitTypes: 'video-follow-up,in-person', status: 'free',
  }));
}

describeOnEachDatabase('home monitoring readings and alerts', (hospital) => {
  const send = (token: string, patientId: string, body: object) =>
    request(hospital().app).post(`/api/patients/${patientId}/readings`).auth(token, { type: 'bearer' }).send(body);

  it('when a reading has a wrong unit, an implausible value or a missing component, then 422 names each problem and nothing is stored', async () => {
    const patient = await newPatient(hospital(), 'Typo');
    const count = () => hospital().db.models.Observation.count({ where: { patientId: patient.patientId } });
    const wrongUnit = await send(patient.token, patient.patientId, { code: '2339-0', value: 5.5, unit: 'mmol/L', effectiveAt: new Date().toISOString(), entryMethod: 'typed' }).expect(422);
    expect(wrongUnit.body).to.include({ code: 'implausible-reading' });
    expect(wrongUnit.body.errors[0]).to.deep.equal({ expression: 'unit', message: 'Glucose [Mass/volume] in Blood must be in mg/dL (UCUM); got "mmol/L"' });
    const implausible = await send(patient.token, patient.patientId, bp(1200, 80)).expect(422);
    expect(implausible.body.errors[0].expression).to.equal('components[0].value');
    expect(implausible.body.title).to.match(/Systolic blood pressure of 1200 mm\[Hg\] is not plausible/);
    await send(patient.token, patient.patientId, bp(80, 120)).expect(422);
    const missing = await send(patient.token, patient.patientId, { ...bp(120, 80), components: [{ code: '8480-6', value: 120, unit: 'mm[Hg]' }] }).expect(422);
    expect(missing.body.title).to.match(/needs Diastolic blood pressure \(8462-4\)/);
    expect((await send(patient.token, patient.patientId, { code: '1234-5', value: 1, unit: 'kg', effectiveAt: new Date().toISOString(), entryMethod: 'typed' }).expect(422)).body.code).to.equal('unknown-reading-code');
    await send(patient.token, patient.patientId, { ...bp(120, 80), entryMethod: 'guessed' }).expect(400);
    expect(await count()).to.equal(0);

    const ok = await send(patient.token, patient.patientId, { code: '29463-7', value: 82.5, unit: 'kg', effectiveAt: new Date().toISOString(), entryMethod: 'typed' }).expect(201);
    expect(ok.body.reading).to.include({ code: '29463-7', value: 82.5, unit: 'kg', entryMethod: 'typed' });
    expect(ok.body.alerts).to.deep.equal([]);
    expect(await count()).to.equal(1);
  });

  it('when a reading is in crisis, then an alert is raised at once on the treating doctor\'s list, offering their next free slots', async () => {
    const visit = await newVisit(hospital(), 'Crisis');
    const later = await freeSlot(hospital(), visit.doctor.practitionerId, 48);
    const sooner = await freeSlot(hospital(), visit.doctor.practitionerId, 24);
    const res = await send(visit.patient.token, visit.patient.patientId, bp(185, 100)).expect(201);
    expect(res.body.alerts).to.have.length(1);
    expect(res.body.alerts[0]).to.include({ kind: 'bp-crisis', severity: 'critical', status: 'open', practitionerId: visit.doctor.practitionerId });
    expect(res.body.alerts[0].escalateAt).to.be.a('string');

    const list = await request(hospital().app).get('/api/alerts').query({ status: 'open' }).auth(visit.doctor.token, { type: 'bearer' }).expect(200);
    expect(list.body.map((a: { id: string }) => a.id)).to.include(res.body.alerts[0].id);
    const mine = await request(hospital().app).get(`/api/patients/${visit.patient.patientId}/alerts`).auth(visit.patient.token, { type: 'bearer' }).expect(200);
    expect(mine.body[0].followUpSlots.map((s: { slotId: string }) => s.slotId)).to.deep.equal([sooner.id, later.id]);

    const again = await send(visit.patient.token, visit.patient.patientId, bp(190, 125)).expect(201);
    expect(again.body.alerts, 'one open crisis alert per patient').to.deep.equal([]);
  });

  it('when readings are high on average over several days, then stage 2 is raised; one high reading alone is not', async () => {
    const visit = await newVisit(hospital(), 'Stage');
    const single = await send(visit.patient.token, visit.patient.patientId, bp(152, 96, new Date(Date.now() - 3 * DAY))).expect(201);
    expect(single.body.alerts).to.deep.equal([]);
    await send(visit.patient.token, visit.patient.patientId, bp(138, 88, new Date(Date.now() - 2 * DAY))).expect(201);
    const third = await send(visit.patient.token, visit.patient.patientId, bp(142, 92, new Date(Date.now() - DAY))).expect(201);
    expect(third.body.alerts).to.have.length(1);
    expect(third.body.alerts[0]).to.include({ kind: 'bp-stage-2', severity: 'high' });
    // The finding is numbers, for the pages to word in their language: the averages, how many readings on how many days, the threshold.
    expect(third.body.alerts[0].finding).to.deep.equal({
      kind: 'bp-stage-2', values: { systolic: 144, diastolic: 92, readings: 3, days: 3, stage2Systolic: 140, stage2Diastolic: 90 },
    });
    expect(third.body.alerts[0]).not.to.have.property('message');
  });

  it("when the doctor sets the patient's own targets, then they override the defaults", async () => {
    const visit = await newVisit(hospital(), 'Targets');
    await request(hospital().app).put(`/api/patients/${visit.patient.patientId}/care-plan`).auth(visit.patient.token, { type: 'bearer' })
      .send({ bloodPressure: { stage2Systolic: 130 } }).expect(403);
    const plan = await request(hospital().app).put(`/api/patients/${visit.patient.patientId}/care-plan`).auth(visit.doctor.token, { type: 'bearer' })
      .send({ bloodPressure: { stage2Systolic: 130, minDays: 1 }, glucose: { lowMgDl: 80 } }).expect(200);
    expect(plan.body.targets.bloodPressure).to.include({ stage2Systolic: 130, stage2Diastolic: 90, crisisSystolic: 180, minDays: 1 });
    const bpAlert = await send(visit.patient.token, visit.patient.patientId, bp(134, 82)).expect(201);
    expect(bpAlert.body.alerts.map((a: { kind: string }) => a.kind)).to.deep.equal(['bp-stage-2']);
    const glucose = await send(visit.patient.token, visit.patient.patientId, { code: '2339-0', value: 75, unit: 'mg/dL', effectiveAt: new Date().toISOString(), entryMethod: 'device' }).expect(201);
    expect(glucose.body.alerts.map((a: { kind: string }) => a.kind)).to.deep.equal(['glucose-low']);
  });

  it('when glucose is low or very low (mg/dL or mmol/L), then the matching alert is raised', async () => {
    const low = await newVisit(hospital(), 'Low');
    const res = await send(low.patient.token, low.patient.patientId, { code: '2339-0', value: 65, unit: 'mg/dL', effectiveAt: new Date().toISOString(), entryMethod: 'typed' }).expect(201);
    expect(res.body.alerts.map((a: { kind: string }) => a.kind)).to.deep.equal(['glucose-low']);
    const veryLow = await newVisit(hospital(), 'VeryLow');
    const mmol = await send(veryLow.patient.token, veryLow.patient.patientId, { code: '15074-8', value: 2.8, unit: 'mmol/L', effectiveAt: new Date().toISOString(), entryMethod: 'device' }).expect(201);
    expect(mmol.body.alerts[0]).to.include({ kind: 'glucose-very-low', severity: 'critical' });
  });

  it('when a crisis alert stays unacknowledged past its escalation time, then the sweep escalates it once; an acknowledged one never', async () => {
    const visit = await newVisit(hospital(), 'Escalate');
    const crisis = (await send(visit.patient.token, visit.patient.patientId, bp(200, 110)).expect(201)).body.alerts[0];
    const other = await newVisit(hospital(), 'Acked');
    const acked = (await send(other.patient.token, other.patient.patientId, bp(200, 110)).expect(201)).body.alerts[0];
    await request(hospital().app).post(`/api/alerts/${acked.id}/acknowledge`).auth(other.doctor.token, { type: 'bearer' }).expect(200);
    expect((await request(hospital().app).post(`/api/alerts/${acked.id}/acknowledge`).auth(other.doctor.token, { type: 'bearer' }).expect(409)).body.code).to.equal('alert-already-acknowledged');
    await request(hospital().app).post(`/api/alerts/${crisis.id}/acknowledge`).auth(other.doctor.token, { type: 'bearer' }).expect(404);

    expect(await escalateOverdueAlerts(hospital().db, new Date())).to.not.include(crisis.id);
    const overdue = new Date(Date.parse(crisis.escalateAt) + 1000);
    const escalated = await escalateOverdueAlerts(hospital().db, overdue);
    expect(escalated).to.include(crisis.id);
    expect(escalated).to.not.include(acked.id);
    expect(await escalateOverdueAlerts(hospital().db, overdue)).to.not.include(crisis.id);

    const adminList = await request(hospital().app).get('/api/alerts').auth(await adminToken(hospital()), { type: 'bearer' }).expect(200);
    const doctor = await hospital().db.models.Practitioner.findByPk(visit.doctor.practitionerId, { rejectOnEmpty: true });
    expect(adminList.body.find((a: { id: string }) => a.id === crisis.id)).to.include({ escalated: true, doctorName: `${doctor.givenName} ${doctor.familyName}` });
    expect(await hospital().db.models.AuditEvent.count({ where: { resourceId: crisis.id, activity: 'alert-escalated' } })).to.equal(1);
  });

  it('when the doctor acknowledges an alert with minutes outside 0–60 or not whole, then 400 names the field and the alert stays open; 15 are stored', async () => {
    const visit = await newVisit(hospital(), 'Minutes');
    const alert = (await send(visit.patient.token, visit.patient.patientId, bp(200, 110)).expect(201)).body.alerts[0];
    const acknowledge = (body: object) => request(hospital().app).post(`/api/alerts/${alert.id}/acknowledge`).auth(visit.doctor.token, { type: 'bearer' }).send(body);
    for (const minutes of [61, -1, 2.5, 'ten']) {
      const res = await acknowledge({ minutes }).expect(400);
      expect([res.body.code, res.body.errors.map((d: { expression: string }) => d.expression)], String(minutes)).to.deep.equal(['invalid-input', ['body.minutes']]);
    }
    expect(await hospital().db.models.MonitoringAlert.findByPk(alert.id, { rejectOnEmpty: true })).to.include({ status: 'open', acknowledgedMinutes: null });
    await acknowledge({ minutes: 15 }).expect(200);
    expect(await hospital().db.models.MonitoringAlert.findByPk(alert.id, { rejectOnEmpty: true })).to.include({ status: 'acknowledged', acknowledgedMinutes: 15 });
  });

  it('when 100 crisis readings arrive at once, then exactly one crisis alert is open, and 100 acknowledgements give one 200', async () => {
    const visit = await newVisit(hospital(), 'Burst');
    const server = hospital().app.listen(0);
    try {
      const sent = await Promise.all(Array.from({ length: 100 }, (_, i) => request(server).post(`/api/patients/${visit.patient.patientId}/readings`)
        .auth(visit.patient.token, { type: 'bearer' }).send(bp(190 + (i % 20), 100))));
      expect(sent.map((r) => r.status)).to.deep.equal(Array(100).fill(201));
      const open = await hospital().db.models.MonitoringAlert.findAll({ where: { patientId: visit.patient.patientId, kind: 'bp-crisis', status: 'open' } });
      expect(open).to.have.length(1);
      const acks = await Promise.all(Array.from({ length: 100 }, () => request(server).post(`/api/alerts/${open[0].id}/acknowledge`).auth(visit.doctor.token, { type: 'bearer' })));
      const statuses = acks.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).to.have.length(1);
      expect(statuses.filter((s) => s === 409)).to.have.length(99);
    } finally {
      server.close();
    }
  });

  it("when readings are searched by code and date, then only that patient's matching readings come back, newest first", async () => {
    const patient = await newPatient(hospital(), 'Search');
    for (let d = 5; d >= 1; d--) await send(patient.token, patient.patientId, bp(120 + d, 80, new Date(Date.now() - d * DAY))).expect(201);
    await send(patient.token, patient.patientId, { code: '8867-4', value: 72, unit: '/min', effectiveAt: new Date(Date.now() - 2 * DAY).toISOString(), entryMethod: 'device' }).expect(201);
    const res = await request(hospital().app).get(`/api/patients/${patient.patientId}/readings`)
      .query({ code: '85354-9', from: new Date(Date.now() - 3.5 * DAY).toISOString(), to: new Date().toISOString() })
      .auth(patient.token, { type: 'bearer' }).expect(200);
    expect(res.body.map((r: { components: Array<{ value: number }> }) => r.components[0].value)).to.deep.equal([121, 122, 123]);
    await request(hospital().app).post('/fhir/Observation').auth(patient.token, { type: 'bearer' }).type('application/fhir+json').send({
      resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2093-3', display: 'Cholesterol' }] },
      subject: { reference: `Patient/${patient.patientId}` }, effectiveDateTime: new Date().toISOString(),
      valueQuantity: { value: 190, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
    }).expect(201);
    const all = await request(hospital().app).get(`/api/patients/${patient.patientId}/readings`).auth(patient.token, { type: 'bearer' }).expect(200);
    expect(all.body.map((r: { code: string }) => r.code).sort(), 'a lab result is not a home reading').to.deep.equal([...Array<string>(5).fill('85354-9'), '8867-4']);
    const other = await newPatient(hospital(), 'Nosy');
    await request(hospital().app).get(`/api/patients/${patient.patientId}/readings`).auth(other.token, { type: 'bearer' }).expect(404);
  });
});
