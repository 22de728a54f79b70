import { expect } from 'chai';
import request from 'supertest';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('HTTP edges: errors, health, headers', (hospital) => {
  it('when the JSON body is malformed, then 400 problem+json without a stack trace', async () => {
    const res = await request(hospital().app).post('/api/patients').set('content-type', 'application/json')
      .send('{"email": "a@b.c",').expect(400);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({ status: 400, code: 'malformed-json', type: '/problems/malformed-json' });
    expect(res.text).to.not.match(/at .*\.(ts|js):\d+/);
  });

  it('when the body is larger than the limit, then 413', async () => {
    const res = await request(hospital().app).post('/api/patients')
      .send({ email: 'x@y.z', padding: 'x'.repeat(2 * 1024 * 1024) }).expect(413);
    expect(res.body.code).to.equal('body-too-large');
  });

  it('when the route does not exist, then 404 problem+json', async () => {
    const res = await request(hospital().app).get('/api/no-such-thing').expect(404);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body.code).to.equal('no-such-route');
  });

  it('when the method is wrong, then 405 with Allow', async () => {
    const res = await request(hospital().app).delete('/api/patients').expect(405);
    expect(res.headers.allow).to.equal('POST');
    expect(res.body.code).to.equal('method-not-allowed');
  });

  it('when probes ask, then /healthz and /readyz answer with the database in use', async () => {
    await request(hospital().app).get('/healthz').expect(200, { status: 'ok' });
    const ready = await request(hospital().app).get('/readyz').expect(200);
    expect(ready.body).to.deep.equal({ status: 'ready', database: hospital().dialect });
  });

  it('when any page is served, then it carries security headers and a request id', async () => {
    const res = await request(hospital().app).get('/healthz');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['strict-transport-security']).to.be.a('string');
    expect(res.headers['content-security-policy']).to.include("default-src 'self'");
    expect(res.headers['x-powered-by']).to.equal(undefined);
    expect(res.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
  });
});
