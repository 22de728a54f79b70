import { expect } from 'chai';
import request from 'supertest';
import { as, newVisit } from '../support/consultations.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

/**
 * The freeze a tester measured on the first busy morning (issue 11): doctors writing through /fhir while
 * patients read their visits and send readings made SQLite answer nothing for 45 s. These tests send that load
 * and require every request answered, none with a 5xx, and /readyz answering throughout. (No timing threshold:
 * the frozen node answered 500 SQLITE_BUSY or not at all, which these assertions catch; latencies are measured
 * by `npm run bench`.)
 */
describeOnEachDatabase('a busy morning: concurrent doctors and patients', (hospital) => {
  const condition = (patientId: string) => ({
    resourceType: 'Condition',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10', display: 'Essential (primary) hypertension' }] },
    subject: { reference: `Patient/${patientId}` },
    recordedDate: new Date().toISOString(),
  });
  const reading = (systolic: number) => ({
    code: '85354-9', effectiveAt: new Date().toISOString(), entryMethod: 'typed',
    components: [{ code: '8480-6', value: systolic, unit: 'mm[Hg]' }, { code: '8462-4', value: 80, unit: 'mm[Hg]' }],
  });

  /** The four kinds of request of the morning, for a visit whose patient and doctor are busy. */
  function morningRequests(node: TestNode, visit: Awaited<ReturnType<typeof newVisit>>) {
    const { patient, doctor, visitId } = visit;
    return [
      () => request(node.app).post('/fhir/Condition').auth(doctor.token, { type: 'bearer' }).type('application/fhir+json')
        .send(JSON.stringify(condition(patient.patientId))),
      () => request(node.app).get(`/api/visits/${visitId}`).auth(patient.token, { type: 'bearer' }),
      () => request(node.app).post(`/api/patients/${patient.patientId}/readings`).auth(patient.token, { type: 'bearer' })
        .send(reading(120 + Math.floor(Math.random() * 20))),
      () => request(node.app).get(`/fhir/Observation?patient=${patient.patientId}&_count=20`).auth(doctor.token, { type: 'bearer' }),
    ];
  }

  it('when two doctor writes and two patient reads arrive together, then all four are answered without a 5xx', async () => {
    const visit = await newVisit(hospital(), 'Morning');
    const [write, read] = morningRequests(hospital(), visit);
    const answers = await Promise.all([write(), write(), read(), read()]);
    expect(answers.map((r) => r.status)).to.deep.equal([201, 201, 200, 200]);
    const conditions = await request(hospital().app).get(`/fhir/Condition?patient=${visit.patient.patientId}`).auth(as(visit.doctor.token).token, { type: 'bearer' }).expect(200);
    expect(conditions.body.total ?? conditions.body.entry.length).to.equal(2);
  });

  it('when 160 mixed requests run 8 at a time, then every one is answered without a 5xx and /readyz stays ready', async () => {
    const visits = await Promise.all([1, 2, 3, 4].map((n) => newVisit(hospital(), `Busy${n}`)));
    const kinds = visits.flatMap((visit) => morningRequests(hospital(), visit));
    const statuses: number[] = [];
    const readiness: number[] = [];
    let next = 0;
    let running = true;
    const worker = async () => {
      while (next < 160) {
        const kind = kinds[next++ % kinds.length];
        statuses.push((await kind()).status);
      }
    };
    const probe = async () => {
      while (running) {
        readiness.push((await request(hospital().app).get('/readyz')).status);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const probing = probe();
    await Promise.all(Array.from({ length: 8 }, worker));
    running = false;
    await probing;
    expect(statuses).to.have.length(160);
    expect(statuses.filter((s) => s >= 500), 'answers with a 5xx').to.deep.equal([]);
    expect(new Set(statuses)).to.satisfy((set: Set<number>) => [...set].every((s) => s === 200 || s === 201));
    expect(readiness.length).to.be.greaterThan(0);
    expect(readiness.every((s) => s === 200), `readiness answers: ${readiness.join(',')}`).to.equal(true);
  });

  it('when the database does not answer within a second, then /readyz says 503 instead of hanging, and ready again after', async () => {
    const { db, app } = hospital();
    // Occupy what /readyz needs: SQLite's shared read connection with a long query, or every pooled MySQL connection.
    const busy = db.dialect === 'sqlite'
      ? [db.sequelize.query('WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 12000000) SELECT count(*) FROM n')]
      : Array.from({ length: 10 }, () => db.sequelize.query('SELECT SLEEP(3)'));
    await new Promise((r) => setTimeout(r, 100));
    const notReady = await request(app).get('/readyz');
    expect(notReady.status).to.equal(503);
    expect(notReady.headers['retry-after']).to.equal('1');
    expect(notReady.body).to.include({ code: 'not-ready' });
    await Promise.all(busy);
    await request(app).get('/readyz').expect(200);
  });
});
