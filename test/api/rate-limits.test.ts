import crypto from 'node:crypto';
import { expect } from 'chai';
import request, { type Response } from 'supertest';
import { buildApp } from '../../server/app.js';
import type { RateLimitConfig } from '../../server/config.js';
import { newPatient, uniqueEmail } from '../support/factories.js';
import { startRedis } from '../support/redis-server.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

/** Another instance of the node (same database and keys) whose only difference is its rate limits. */
function instanceWithLimits(hospital: TestNode, limits: Partial<RateLimitConfig>) {
  const config = { ...hospital.config, rateLimits: { ...hospital.config.rateLimits, ...limits } };
  return buildApp({ config, db: hospital.db, keys: hospital.node.keys, log: hospital.node.log });
}

function expectThrottled(answer: Response, contentType: RegExp) {
  expect(answer.status, JSON.stringify(answer.body)).to.equal(429);
  expect(Number(answer.headers['retry-after'])).to.be.within(1, 3600);
  expect(answer.headers['content-type']).to.match(contentType);
}

const registration = () => ({ email: uniqueEmail('signup'), password: 'a long enough password', givenName: 'New', familyName: 'Patient' });

describeOnEachDatabase('rate limits', (hospital) => {
  const instances: Array<ReturnType<typeof buildApp>> = [];
  const limited = (limits: Partial<RateLimitConfig>) => {
    const instance = instanceWithLimits(hospital(), limits);
    instances.push(instance);
    return instance;
  };
  after(async () => { await Promise.all(instances.map((i) => i.node.rateLimits.close())); });

  it('when one address registers past its hourly limit, then it gets 429 with Retry-After and no account is made', async () => {
    const { app, node } = limited({ registrationPerHour: 2 });
    await request(app).post('/api/patients').send(registration()).expect(201);
    await request(app).post('/api/patients').send(registration()).expect(201);
    const third = registration();
    const answer = await request(app).post('/api/patients').send(third);
    expectThrottled(answer, /^application\/problem\+json/);
    expect(answer.body).to.include({ status: 429, code: 'too-many-requests', instance: '/api/patients' });
    expect(await node.db.models.User.count({ where: { email: third.email } })).to.equal(0);
  });

  it('when one account asks for tokens past the limit, then its next grant is 429; another account is not held up', async () => {
    const { app } = limited({ tokenPerMinute: 3 });
    const patient = await newPatient(hospital(), 'Greedy');
    const other = await newPatient(hospital(), 'Patient');
    const grant = (username: string, password: string) =>
      request(app).post('/auth/token').type('form').send({ grant_type: 'password', username, password });
    for (let i = 0; i < 3; i++) await grant(patient.email, 'correct horse battery').expect(200);
    expectThrottled(await grant(patient.email, 'correct horse battery'), /^application\/problem\+json/);
    await grant(other.email, 'correct horse battery').expect(200);
    const refreshes = await Promise.all(Array.from({ length: 4 }, () =>
      request(app).post('/auth/token').send({ grant_type: 'refresh_token', refresh_token: 'not-a-real-token' })));
    expect(refreshes.map((r) => r.status).sort(), 'other grant types count per address').to.deep.equal([401, 401, 401, 429]);
  });

  it('when an account calls the API past its limit, then /api and /fhir answer 429 while others and health go on', async () => {
    const { app } = limited({ apiPerMinute: 4 });
    const patient = await newPatient(hospital(), 'Busy');
    const other = await newPatient(hospital(), 'Calm');
    for (let i = 0; i < 3; i++) await request(app).get('/api/me').auth(patient.token, { type: 'bearer' }).expect(200);
    await request(app).get(`/fhir/Patient/${patient.patientId}`).auth(patient.token, { type: 'bearer' }).expect(200);
    expectThrottled(await request(app).get('/api/me').auth(patient.token, { type: 'bearer' }), /^application\/problem\+json/);
    const fhir = await request(app).get(`/fhir/Patient/${patient.patientId}`).auth(patient.token, { type: 'bearer' });
    expectThrottled(fhir, /^application\/fhir\+json/);
    expect(fhir.body).to.deep.include({ resourceType: 'OperationOutcome' });
    expect(fhir.body.issue[0]).to.include({ severity: 'error', code: 'throttled' });
    await request(app).get('/api/me').auth(other.token, { type: 'bearer' }).expect(200);
    for (let i = 0; i < 6; i++) await request(app).get('/healthz').expect(200);
  });

  it('when calls come without a valid token, then they are counted per address', async () => {
    const { app } = limited({ apiPerMinute: 2 });
    await request(app).get('/api/me').expect(401);
    await request(app).get('/api/me').auth('forged.token.value', { type: 'bearer' }).expect(401);
    expectThrottled(await request(app).get('/api/me'), /^application\/problem\+json/);
  });

  it('when a limit is 0, then that surface is not limited', async () => {
    const { app } = limited({ apiPerMinute: 0 });
    for (let i = 0; i < 5; i++) await request(app).get('/api/me').expect(401);
  });

  describe('with REDIS_URL', () => {
    let redis: Awaited<ReturnType<typeof startRedis>>;
    before(async () => { redis = await startRedis(); });
    after(async () => { await redis.stop(); });

    it('when an account spreads its calls over two instances, then both count them together', async () => {
      // A prefix of its own, so this run never shares counts with another.
      const shared = { apiPerMinute: 5, redisUrl: redis.url, redisPrefix: `test:${crypto.randomUUID()}:` };
      const one = limited(shared);
      const two = limited(shared);
      const patient = await newPatient(hospital(), 'Spread');
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push((await request(i % 2 ? two.app : one.app).get('/api/me').auth(patient.token, { type: 'bearer' })).status);
      }
      expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 429]);
      const alone = limited({ apiPerMinute: 5 });
      await request(alone.app).get('/api/me').auth(patient.token, { type: 'bearer' }).expect(200);
    });
  });
});
