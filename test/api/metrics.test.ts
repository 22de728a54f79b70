import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { openDatabase } from '../../db/connection.js';
import { buildApp } from '../../server/app.js';
import { NO_ROUTE } from '../../server/operations/metrics.js';
import { adminToken } from '../support/consultations.js';
import { newPatient } from '../support/factories.js';
import { sampleOf, scrapeMetrics } from '../support/metrics-text.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';
import { eventually, listeningNode, roomToken, SignalClient, videoVisit } from '../support/video.js';

const LATENCY = 'hospital_http_request_duration_seconds_count';

/** Another node (its own app and metrics) on the same database and keys, with a different configuration. */
function sibling(hospital: TestNode, metricsAllow: string[]) {
  return buildApp({ config: { ...hospital.config, metricsAllow }, db: hospital.db, keys: hospital.node.keys }).app;
}

describeOnEachDatabase('Prometheus metrics at /metrics', (hospital) => {
  it('when /metrics is asked without a token, then 401; with a patient\'s or doctor\'s token, 403; with an admin\'s, 200 in the Prometheus text format', async () => {
    const { app } = hospital();
    await request(app).get('/metrics').expect(401);
    const patient = await newPatient(hospital(), 'Curious');
    const denied = await request(app).get('/metrics').auth(patient.token, { type: 'bearer' }).expect(403);
    expect(denied.body.code).to.equal('metrics-not-allowed');
    await request(app).get('/metrics').auth(await hospital().tokenFor('dr.chen@demo.test'), { type: 'bearer' }).expect(403);
    const res = await request(app).get('/metrics').auth(await adminToken(hospital()), { type: 'bearer' }).expect(200);
    expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).to.equal('no-store');
    for (const name of ['process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'hospital_db_transaction_retries_total',
      'hospital_db_writer_timeouts_total', 'hospital_outbox_backlog', 'hospital_partner_calls_total', 'hospital_video_rooms_open',
      'hospital_video_sockets_open']) {
      expect(res.text, name).to.match(new RegExp(`^${name} `, 'm'));
    }
  });

  it('when the request comes from an address in METRICS_ALLOW, then /metrics answers without a token; from one outside it, still 401', async () => {
    await request(sibling(hospital(), ['127.0.0.1', '::1'])).get('/metrics').expect(200);
    await request(sibling(hospital(), ['loopback'])).get('/metrics').expect(200);
    await request(sibling(hospital(), ['10.0.0.0/8'])).get('/metrics').expect(401);
  });

  it('when a patient record is read by id, then the latency histogram counts it under the route pattern and status, never the id', async () => {
    const patient = await newPatient(hospital(), 'Counted');
    const before = await scrapeMetrics(hospital());
    const labels = { method: 'GET', route: '/fhir/:type/:id', status: '200' };
    for (let i = 0; i < 3; i++) {
      await request(hospital().app).get(`/fhir/Patient/${patient.patientId}`).auth(patient.token, { type: 'bearer' }).expect(200);
    }
    await request(hospital().app).get('/fhir/Patient/no-such-patient').auth(patient.token, { type: 'bearer' }).expect(404);
    await request(hospital().app).get('/no/such/page/anywhere').expect(404);
    const after = await scrapeMetrics(hospital());
    expect((sampleOf(after, LATENCY, labels) ?? 0) - (sampleOf(before, LATENCY, labels) ?? 0)).to.equal(3);
    const missing = { ...labels, status: '404' };
    expect((sampleOf(after, LATENCY, missing) ?? 0) - (sampleOf(before, LATENCY, missing) ?? 0), 'a thrown 404 keeps its route').to.equal(1);
    expect(sampleOf(after, LATENCY, { method: 'GET', route: NO_ROUTE, status: '404' })).to.be.at.least(1);
    expect(after).to.not.include(patient.patientId);
    expect(after).to.not.include('no-such-patient');
    expect(sampleOf(after, 'hospital_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).to.equal(sampleOf(after, LATENCY, labels));
  });

  it('when two nodes run in one process, then each counts only its own requests', async () => {
    const other = sibling(hospital(), ['loopback']);
    const labels = { method: 'GET', route: '/healthz', status: '200' };
    const before = sampleOf(await scrapeMetrics(hospital()), LATENCY, labels) ?? 0;
    for (let i = 0; i < 4; i++) await request(other).get('/healthz').expect(200);
    const atOther = await request(other).get('/metrics').expect(200);
    expect(sampleOf(atOther.text, LATENCY, labels)).to.equal(4);
    expect(sampleOf(await scrapeMetrics(hospital()), LATENCY, labels) ?? 0).to.equal(before);
  });

  it('when notifications are due and unsent, then the outbox backlog counts them and the oldest one\'s age', async () => {
    const before = sampleOf(await scrapeMetrics(hospital()), 'hospital_outbox_backlog') ?? NaN;
    const { NotificationOutbox } = hospital().db.models;
    const row = (dueAt: Date) => ({
      id: crypto.randomUUID(), kind: 'appointment-reminder' as const, appointmentId: crypto.randomUUID(), recipientPatientId: null,
      recipientPractitionerId: null, payload: '{}', dueAt, status: 'pending' as const,
    });
    const rows = [row(new Date(Date.now() - 3_600_000)), row(new Date(Date.now() - 60_000)), row(new Date(Date.now() + 3_600_000))];
    await NotificationOutbox.bulkCreate(rows);
    try {
      const after = await scrapeMetrics(hospital());
      expect(sampleOf(after, 'hospital_outbox_backlog'), 'the two that are due, not the one due in an hour').to.equal(before + 2);
      expect(sampleOf(after, 'hospital_outbox_backlog_oldest_seconds')).to.be.at.least(3_600);
    } finally {
      await NotificationOutbox.destroy({ where: { id: rows.map((r) => r.id) } });
    }
  });

  it('when a transaction holds the writer past TRANSACTION_TIMEOUT_MS, then writer timeouts count it once', async () => {
    const db = await openDatabase(hospital().config.databaseUrl, { transactionTimeoutMs: 100 });
    try {
      const { app } = buildApp({ config: { ...hospital().config, metricsAllow: ['loopback'] }, db, keys: hospital().node.keys });
      const timeouts = async () => sampleOf((await request(app).get('/metrics').expect(200)).text, 'hospital_db_writer_timeouts_total');
      expect(await timeouts()).to.equal(0);
      const slow = db.transaction(async () => {
        await db.sequelize.query('SELECT 1');
        await new Promise((r) => setTimeout(r, 200));
        await db.sequelize.query('SELECT 1');
        await db.sequelize.query('SELECT 1');
      });
      await slow.then(() => expect.fail('the slow transaction should have timed out'), () => undefined);
      expect(await timeouts()).to.equal(1);
    } finally {
      await db.close();
    }
  });

  it('when units of work wait for SQLite\'s writer, then the queue depth counts them; on MySQL the pool is shown instead', async () => {
    const { db } = hospital();
    if (hospital().dialect === 'mysql') {
      const text = await scrapeMetrics(hospital());
      expect(sampleOf(text, 'hospital_db_pool_max')).to.equal(10);
      expect(sampleOf(text, 'hospital_db_pool_connections')).to.be.at.least(1);
      expect(sampleOf(text, 'hospital_db_writer_queue_depth')).to.equal(undefined);
      return;
    }
    let release = () => {};
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const queued = [db.transaction(() => gate), db.transaction(async () => undefined), db.transaction(async () => undefined)];
    try {
      const text = await scrapeMetrics(hospital());
      expect(sampleOf(text, 'hospital_db_writer_queue_depth'), 'one holding the writer, two waiting').to.equal(3);
      expect(sampleOf(text, 'hospital_db_pool_max')).to.equal(undefined);
    } finally {
      release();
      await Promise.all(queued);
    }
    expect(sampleOf(await scrapeMetrics(hospital()), 'hospital_db_writer_queue_depth')).to.equal(0);
  });

  it('when two transactions deadlock (MySQL), then the victim is run again and counted as a retry; on SQLite, one writer, none can', async () => {
    const db = await openDatabase(hospital().config.databaseUrl);
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    await db.models.Organization.bulkCreate(ids.map((id) => ({ id, name: id, kind: 'hospital' as const, identifier: null })));
    try {
      const locked = [false, false];
      const lockBoth = (first: number) => db.transaction(async () => {
        const retry = locked[first];
        await db.models.Organization.update({ name: 'first' }, { where: { id: ids[first] } });
        locked[first] = true;
        // The first attempt waits (up to 1 s) until the other holds its row, so each then asks for the other's: a
        // deadlock on MySQL; SQLite's queue runs them one after the other, so the wait just ends.
        for (let i = 0; !retry && !locked[1 - first] && i < 100; i++) await new Promise((r) => setTimeout(r, 10));
        await db.models.Organization.update({ name: 'second' }, { where: { id: ids[1 - first] } });
      });
      await Promise.all([lockBoth(0), lockBoth(1)]);
      const { app } = buildApp({ config: { ...hospital().config, metricsAllow: ['loopback'] }, db, keys: hospital().node.keys });
      const retries = sampleOf((await request(app).get('/metrics').expect(200)).text, 'hospital_db_transaction_retries_total');
      expect(retries).to.equal(hospital().dialect === 'mysql' ? 1 : 0);
    } finally {
      await db.models.Organization.destroy({ where: { id: ids } });
      await db.close();
    }
  });

  it('when a patient and a doctor join a video room, then the room and both sockets are counted until they leave', async () => {
    const { doctor, patient, appointmentId } = await videoVisit(hospital());
    const live = await listeningNode(hospital());
    const gauges = async () => {
      const text = await scrapeMetrics(hospital());
      return [sampleOf(text, 'hospital_video_rooms_open'), sampleOf(text, 'hospital_video_sockets_open')];
    };
    try {
      const { client: p } = await SignalClient.join(live.wsUrl, await roomToken(hospital(), appointmentId, patient.token));
      const { client: d } = await SignalClient.join(live.wsUrl, await roomToken(hospital(), appointmentId, doctor.token));
      expect(await gauges()).to.deep.equal([1, 2]);
      await Promise.all([p.close(), d.close()]);
      await eventually(async () => expect(await gauges()).to.deep.equal([0, 0]));
    } finally {
      await live.close();
    }
  });
});
