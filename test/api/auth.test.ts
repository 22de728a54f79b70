import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { generateSigningKey, keyRing } from '../../server/auth/keys.js';
import { tokenIssuer } from '../../server/auth/tokens.js';
import { newPatient } from '../support/factories.js';
import { DEMO_PASSWORD, describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('sign-in and tokens', (hospital) => {
  const signIn = (username: string, password: string) =>
    request(hospital().app).post('/auth/token').type('form').send({ grant_type: 'password', username, password });

  it('when a demo user signs in with the password grant, then they get an OAuth token response that opens /api/me', async () => {
    const res = await signIn('alice@demo.test', DEMO_PASSWORD).expect(200);
    expect(res.body).to.include({ token_type: 'Bearer', expires_in: 900 });
    expect(res.body.access_token).to.be.a('string');
    expect(res.body.refresh_token).to.be.a('string');
    expect(res.body.scope).to.equal('patient/*.read patient/*.write');
    expect(res.headers['cache-control']).to.equal('no-store');
    const me = await request(hospital().app).get('/api/me').auth(res.body.access_token, { type: 'bearer' }).expect(200);
    expect(me.body).to.include({ email: 'alice@demo.test', role: 'patient' });
    expect(me.body.patientId).to.equal(res.body.patient);
  });

  it('when the grant comes as JSON, then it works the same', async () => {
    const res = await request(hospital().app).post('/auth/token')
      .send({ grant_type: 'password', username: 'dr.chen@demo.test', password: DEMO_PASSWORD }).expect(200);
    expect(res.body.scope).to.equal('user/*.read user/*.write');
  });

  it('when the password is wrong or the account unknown, then both get the same 401 that does not say which part was wrong', async () => {
    const wrongPassword = await signIn('bob@demo.test', 'not-the-password').expect(401);
    const unknown = await signIn('nobody@demo.test', 'not-the-password').expect(401);
    expect(wrongPassword.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(wrongPassword.body.title).to.equal(unknown.body.title);
    expect(wrongPassword.body).to.include({ status: 401, code: 'invalid-credentials', error: 'invalid_grant' });
    const failures = await hospital().db.models.AuditEvent.count({ where: { activity: 'login', outcome: '4' } });
    expect(failures).to.be.at.least(2);
  });

  it('when one account fails to sign in too often, then further attempts get 429 with Retry-After, even with the right password', async () => {
    const patient = await newPatient(hospital(), 'Throttled');
    for (let i = 0; i < 5; i++) await signIn(patient.email, 'wrong password').expect(401);
    const res = await signIn(patient.email, 'correct horse battery').expect(429);
    expect(Number(res.headers['retry-after'])).to.be.greaterThan(0);
    expect(res.body.code).to.equal('too-many-requests');
  });

  it('when a refresh token is used, then it rotates; when the spent one is presented again, then it and its whole family are refused', async () => {
    const first = (await signIn('alice@demo.test', DEMO_PASSWORD).expect(200)).body;
    const refresh = (token: string) => request(hospital().app).post('/auth/token')
      .send({ grant_type: 'refresh_token', refresh_token: token });
    const second = (await refresh(first.refresh_token).expect(200)).body;
    expect(second.refresh_token).to.not.equal(first.refresh_token);
    expect(second.access_token).to.be.a('string');

    const reuse = await refresh(first.refresh_token).expect(401);
    expect(reuse.body).to.include({ code: 'invalid-refresh-token', error: 'invalid_grant' });
    // The theft response: the legitimately rotated token dies with its family.
    await refresh(second.refresh_token).expect(401);
  });

  it('when the grant type is missing or unknown, then 400 says which grant types exist', async () => {
    const res = await request(hospital().app).post('/auth/token').send({ username: 'x' }).expect(400);
    expect(res.body).to.include({ code: 'unsupported-grant-type', error: 'unsupported_grant_type' });
  });

  it('when a route needs a token and none is sent, then 401 with a Bearer challenge', async () => {
    const res = await request(hospital().app).get('/api/me').expect(401);
    expect(res.headers['www-authenticate']).to.equal('Bearer');
    expect(res.body.code).to.equal('not-authenticated');
  });

  it('when the access token has expired, then 401 says so', async () => {
    const expiredIssuer = tokenIssuer({ publicBaseUrl: hospital().config.publicBaseUrl, accessTokenTtlSeconds: -60 }, hospital().node.keys);
    const token = expiredIssuer.issueAccessToken({ sub: 'x', role: 'patient', patient: null, practitioner: null, org: null, scope: '' });
    const res = await request(hospital().app).get('/api/me').auth(token, { type: 'bearer' }).expect(401);
    expect(res.body.code).to.equal('token-expired');
  });

  it('when the token was tampered with or signed by another key, then 401', async () => {
    const token = await hospital().tokenFor('bob@demo.test');
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    const tampered = await request(hospital().app).get('/api/me').auth(`${header}.${forged}.${signature}`, { type: 'bearer' }).expect(401);
    expect(tampered.body.code).to.equal('invalid-token');

    const stranger = generateSigningKey();
    const foreign = jwt.sign(claims, stranger.privateKey, { algorithm: 'ES256', keyid: hospital().node.keys.active.kid });
    await request(hospital().app).get('/api/me').auth(foreign, { type: 'bearer' }).expect(401);
    const otherHospital = tokenIssuer(hospital().config, keyRing([stranger]))
      .issueAccessToken({ sub: claims.sub, role: 'admin', patient: null, practitioner: null, org: null, scope: '' });
    await request(hospital().app).get('/api/me').auth(otherHospital, { type: 'bearer' }).expect(401);
  });

  it('when the JWKS is fetched, then it publishes the public signing key that verifies the tokens', async () => {
    const res = await request(hospital().app).get('/.well-known/jwks.json').expect(200);
    const [key] = res.body.keys;
    expect(key).to.include({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: hospital().node.keys.active.kid });
    expect(key).to.not.have.property('d');
  });

  it('when an admin creates a doctor account, then the doctor can sign in; a patient trying the same gets 403', async () => {
    const admin = await hospital().tokenFor('admin@demo.test');
    const email = `dr.new.${Date.now()}@demo.test`;
    const created = await request(hospital().app).post('/api/staff').auth(admin, { type: 'bearer' })
      .send({ email, password: 'a long enough password', role: 'doctor', givenName: 'Ana', familyName: 'Ruiz' }).expect(201);
    expect(created.body.practitionerId).to.be.a('string');
    await signIn(email, 'a long enough password').expect(200);

    const again = await request(hospital().app).post('/api/staff').auth(admin, { type: 'bearer' })
      .send({ email, password: 'a long enough password', role: 'doctor', givenName: 'Ana', familyName: 'Ruiz' }).expect(409);
    expect(again.body.code).to.equal('email-taken');

    const patient = await hospital().tokenFor('alice@demo.test');
    const refused = await request(hospital().app).post('/api/staff').auth(patient, { type: 'bearer' })
      .send({ email: 'x@demo.test', password: 'a long enough password', role: 'admin', givenName: 'X', familyName: 'Y' }).expect(403);
    expect(refused.body.code).to.equal('wrong-role');
  });
});
