import { expect } from 'chai';
import request from 'supertest';
import { escalateOverdueAlerts } from '../../server/monitoring/alerts.js';
import { newVisit } from '../support/consultations.js';
import { newPatient } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

const now = () => new Date().toISOString();
const single = (code: string, value: number, unit: string) => ({ code, value, unit, effectiveAt: now(), entryMethod: 'typed' });
const bp = (systolic: number, diastolic: number) => ({
  code: '85354-9', effectiveAt: now(), entryMethod: 'device',
  components: [{ code: '8480-6', value: systolic, unit: 'mm[Hg]' }, { code: '8462-4', value: diastolic, unit: 'mm[Hg]' }],
});

/** The measuring ranges of home devices (server/monitoring/reading-codes.ts cites each): [code, unit, min, max, what]. */
const RANGES: Array<[string, string, number, number, string]> = [
  ['2339-0', 'mg/dL', 10, 600, 'Glucose [Mass/volume] in Blood'],
  ['15074-8', 'mmol/L', 0.6, 33.3, 'Glucose [Moles/volume] in Blood'],
  ['8867-4', '/min', 20, 300, 'Heart rate'],
  ['29463-7', 'kg', 1, 500, 'Body weight'],
  ['29463-7', '[lb_av]', 2, 1100, 'Body weight'],
];

describeOnEachDatabase('home readings: plausible ranges and crisis thresholds', (hospital) => {
  const send = (token: string, patientId: string, body: object) =>
    request(hospital().app).post(`/api/patients/${patientId}/readings`).auth(token, { type: 'bearer' }).send(body);

  it('when glucose is 999 mg/dL, then 422 names the value field and the range, and nothing is stored', async () => {
    const patient = await newPatient(hospital(), 'Sweet');
    const res = await send(patient.token, patient.patientId, single('2339-0', 999, 'mg/dL')).expect(422);
    expect(res.body.code).to.equal('implausible-reading');
    expect(res.body.errors).to.deep.equal([
      { expression: 'value', message: 'Glucose [Mass/volume] in Blood of 999 mg/dL is not plausible (accepted: 10–600 mg/dL)' },
    ]);
    expect(await hospital().db.models.Observation.count({ where: { patientId: patient.patientId } })).to.equal(0);
  });

  for (const [code, unit, min, max, what] of RANGES) {
    it(`when ${what} is ${min} or ${max} ${unit}, then it is stored; just outside either edge, then 422 and nothing stored`, async () => {
      const patient = await newPatient(hospital(), 'Edges');
      const step = Number.isInteger(min) && Number.isInteger(max) ? 1 : 0.1;
      for (const outside of [Number((min - step).toFixed(1)), Number((max + step).toFixed(1))]) {
        const res = await send(patient.token, patient.patientId, single(code, outside, unit)).expect(422);
        expect(res.body.errors[0]).to.deep.equal({
          expression: 'value', message: `${what} of ${outside} ${unit} is not plausible (accepted: ${min}–${max} ${unit})`,
        });
      }
      expect(await hospital().db.models.Observation.count({ where: { patientId: patient.patientId } })).to.equal(0);
      for (const edge of [min, max]) await send(patient.token, patient.patientId, single(code, edge, unit)).expect(201);
      expect(await hospital().db.models.Observation.count({ where: { patientId: patient.patientId } })).to.equal(2);
    });
  }

  it('when systolic is 300 or diastolic 19 or 201 mm[Hg], then 422 names the component; 299/80, 90/20 and 250/200 are stored', async () => {
    const patient = await newPatient(hospital(), 'Cuff');
    const refused = [[bp(300, 80), 'components[0].value', 'Systolic blood pressure of 300 mm[Hg] is not plausible (accepted: 40–299 mm[Hg])'],
      [bp(39, 20), 'components[0].value', 'Systolic blood pressure of 39 mm[Hg] is not plausible (accepted: 40–299 mm[Hg])'],
      [bp(90, 19), 'components[1].value', 'Diastolic blood pressure of 19 mm[Hg] is not plausible (accepted: 20–200 mm[Hg])'],
      [bp(250, 201), 'components[1].value', 'Diastolic blood pressure of 201 mm[Hg] is not plausible (accepted: 20–200 mm[Hg])']] as const;
    for (const [body, expression, message] of refused) {
      expect((await send(patient.token, patient.patientId, body).expect(422)).body.errors).to.deep.equal([{ expression, message }]);
    }
    expect(await hospital().db.models.Observation.count({ where: { patientId: patient.patientId } })).to.equal(0);
    for (const body of [bp(299, 80), bp(90, 20), bp(250, 200), bp(40, 20)]) await send(patient.token, patient.patientId, body).expect(201);
  });

  it('when glucose is 53 mg/dL, then a critical very-low alert; at 54 only the level 1 low alert', async () => {
    const level2 = await newVisit(hospital(), 'Hypo');
    const critical = await send(level2.patient.token, level2.patient.patientId, single('2339-0', 53, 'mg/dL')).expect(201);
    expect(critical.body.alerts[0]).to.include({ kind: 'glucose-very-low', severity: 'critical' });
    const level1 = await newVisit(hospital(), 'Lowish');
    const low = await send(level1.patient.token, level1.patient.patientId, single('2339-0', 54, 'mg/dL')).expect(201);
    expect(low.body.alerts.map((a: { kind: string; severity: string }) => [a.kind, a.severity])).to.deep.equal([['glucose-low', 'high']]);
  });

  it('when glucose is 299 mg/dL (or 16.6 mmol/L), then no alert; at 300 mg/dL (or 16.7 mmol/L), a critical alert on the doctor\'s list that escalates',
    async () => {
      const below = await newVisit(hospital(), 'Below');
      expect((await send(below.patient.token, below.patient.patientId, single('2339-0', 299, 'mg/dL')).expect(201)).body.alerts).to.deep.equal([]);
      expect((await send(below.patient.token, below.patient.patientId, single('15074-8', 16.6, 'mmol/L')).expect(201)).body.alerts).to.deep.equal([]);

      const mmol = await newVisit(hospital(), 'Mmol');
      const inMmol = await send(mmol.patient.token, mmol.patient.patientId, single('15074-8', 16.7, 'mmol/L')).expect(201);
      expect(inMmol.body.alerts[0]).to.include({ kind: 'glucose-very-high', severity: 'critical' });
      // The value is given in the unit it was measured in; the threshold in mg/dL, the unit of the care plan.
      expect(inMmol.body.alerts[0].finding.values).to.deep.equal({ value: 16.7, unit: 'mmol/L', thresholdMgDl: 300 });

      const visit = await newVisit(hospital(), 'Hyper');
      const res = await send(visit.patient.token, visit.patient.patientId, single('2339-0', 300, 'mg/dL')).expect(201);
      const [alert] = res.body.alerts;
      expect(alert).to.include({
        kind: 'glucose-very-high', severity: 'critical', status: 'open', practitionerId: visit.doctor.practitionerId,
      });
      expect(alert.finding).to.deep.equal({ kind: 'glucose-very-high', values: { value: 300, unit: 'mg/dL', thresholdMgDl: 300 } });
      const list = await request(hospital().app).get('/api/alerts').query({ status: 'open' }).auth(visit.doctor.token, { type: 'bearer' }).expect(200);
      expect(list.body.map((a: { id: string }) => a.id)).to.include(alert.id);
      expect(await escalateOverdueAlerts(hospital().db, new Date(Date.parse(alert.escalateAt) + 1000))).to.include(alert.id);
    });

  it('when the doctor lowers the severe-hyperglycaemia threshold in the care plan, then it applies to the next reading', async () => {
    const visit = await newVisit(hospital(), 'Plan');
    await request(hospital().app).put(`/api/patients/${visit.patient.patientId}/care-plan`).auth(visit.doctor.token, { type: 'bearer' })
      .send({ glucose: { veryHighMgDl: 250 } }).expect(200);
    const res = await send(visit.patient.token, visit.patient.patientId, single('2339-0', 250, 'mg/dL')).expect(201);
    expect(res.body.alerts.map((a: { kind: string }) => a.kind)).to.deep.equal(['glucose-very-high']);
  });
});
