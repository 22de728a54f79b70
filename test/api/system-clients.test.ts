import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { buildApp } from '../../server/app.js';
import { generateSigningKey, keyRing } from '../../server/auth/keys.js';
import { adminToken } from '../support/consultations.js';
import { clientAssertion, clientCredentials, jwksServer } from '../support/exchange.js';
import { newDoctor, newPatient, recordInPersonVisit } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('system clients for partner nodes', (hospital) => {
  const partnerKey = generateSigningKey();
  const strangerKey = generateSigningKey();
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  before(async () => { jwks = await jwksServer([partnerKey]); });
  after(() => { jwks.server.close(); });

  const tokenUrl = () => `${hospital().config.publicBaseUrl}/auth/token`;

  async function newPartner(jwksUrl = jwks.url) {
    const base = `https://partner-${crypto.randomBytes(4).toString('hex')}.example.test/fhir`;
    const res = await request(hospital().app).post('/api/partners').auth(await adminToken(hospital()), { type: 'bearer' })
      .send({ name: `Partner ${base}`, fhirBaseUrl: base, jwksUrl }).expect(201);
    return res.body as { id: string; fhirBaseUrl: string };
  }

  it('when a registered partner presents a valid signed assertion, then it gets a system token that reads only consenting patients', async () => {
    const partner = await newPartner();
    const doctor = await newDoctor(hospital(), 'Sys');
    const consenting = await newPatient(hospital(), 'Consenting');
    const other = await newPatient(hospital(), 'Other');
    const seen = await recordInPersonVisit(hospital(), consenting.patientId, doctor.practitionerId);
    const unseen = await recordInPersonVisit(hospital(), other.patientId, doctor.practitionerId);
    await request(hospital().app).post(`/api/patients/${consenting.patientId}/consents`).auth(consenting.token, { type: 'bearer' })
      .send({ partnerId: partner.id }).expect(201);

    const res = await request(hospital().app).post('/auth/token')
      .send(clientCredentials(clientAssertion(partnerKey, { iss: partner.fhirBaseUrl, aud: tokenUrl() }))).expect(200);
    expect(res.body).to.include({ token_type: 'Bearer', scope: 'system/*.read' });
    const token = res.body.access_token as string;

    await request(hospital().app).get(`/fhir/Encounter/${seen.id}`).auth(token, { type: 'bearer' }).expect(200);
    const refused = await request(hospital().app).get(`/fhir/Encounter/${unseen.id}`).auth(token, { type: 'bearer' }).expect(404);
    expect(refused.body.resourceType).to.equal('OperationOutcome');
    const search = await request(hospital().app).get('/fhir/Encounter').auth(token, { type: 'bearer' }).expect(200);
    const ids = (search.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id);
    expect(ids).to.include(seen.id).and.not.include(unseen.id);
    await request(hospital().app).post('/fhir/Condition').auth(token, { type: 'bearer' })
      .send({ resourceType: 'Condition', subject: { reference: `Patient/${consenting.patientId}` } }).expect(403);

    const audit = await hospital().db.models.AuditEvent.findOne({ where: { activity: 'system-token-issued', resourceId: partner.id } });
    expect(audit?.actorUserId).to.equal(`partner:${partner.id}`);
  });

  it('when the assertion is replayed, mis-addressed, too long-lived, signed by another key or from an unknown issuer, then 401', async () => {
    const partner = await newPartner();
    const post = (assertion: string) => request(hospital().app).post('/auth/token').send(clientCredentials(assertion));
    const once = clientAssertion(partnerKey, { iss: partner.fhirBaseUrl, aud: tokenUrl() });
    await post(once).expect(200);
    expect((await post(once).expect(401)).body.code).to.equal('invalid-client');
    await post(clientAssertion(partnerKey, { iss: partner.fhirBaseUrl, aud: 'https://elsewhere.example.test/auth/token' })).expect(401);
    await post(clientAssertion(partnerKey, { iss: partner.fhirBaseUrl, aud: tokenUrl(), expiresIn: 3600 })).expect(401);
    await post(clientAssertion(partnerKey, { iss: partner.fhirBaseUrl, aud: tokenUrl(), sub: 'someone-else' })).expect(401);
    await post(clientAssertion(strangerKey, { iss: partner.fhirBaseUrl, aud: tokenUrl() })).expect(401);
    await post(clientAssertion(partnerKey, { iss: 'https://unknown.example.test/fhir', aud: tokenUrl() })).expect(401);
    const scoped = await request(hospital().app).post('/auth/token').send(clientCredentials(
      clientAssertion(partnerKey, { iss: partner.fhirBaseUrl, aud: tokenUrl() }), 'user/*.write')).expect(400);
    expect(scoped.body.code).to.equal('invalid-scope');
  });

  it('when one assertion is raced 20 times, or replayed at a second instance of this node, then exactly one token is issued', async () => {
    const partner = await newPartner();
    const assertion = clientAssertion(partnerKey, { iss: partner.fhirBaseUrl, aud: tokenUrl() });
    const answers = await Promise.all(Array.from({ length: 20 }, () => request(hospital().app).post('/auth/token').send(clientCredentials(assertion))));
    expect(answers.map((a) => a.status).sort()).to.deep.equal([200, ...Array<number>(19).fill(401)]);
    // Another instance: its own app and key ring over the same database (as behind a load balancer).
    const second = buildApp({ config: hospital().config, db: hospital().db, keys: keyRing([generateSigningKey()]) }).app;
    const replay = await request(second).post('/auth/token').send(clientCredentials(assertion)).expect(401);
    expect(replay.body.title).to.match(/already used/);
  });

  it('when a partner asks for token after token, then its JWKS is fetched once; after it rotates its key, the new key is fetched at once and accepted', async () => {
    const oldKey = generateSigningKey();
    const own = await jwksServer([oldKey]);
    try {
      const partner = await newPartner(own.url);
      const ask = (key: typeof oldKey) => request(hospital().app).post('/auth/token')
        .send(clientCredentials(clientAssertion(key, { iss: partner.fhirBaseUrl, aud: tokenUrl() })));
      for (let i = 0; i < 3; i++) await ask(oldKey).expect(200);
      expect(own.fetches()).to.equal(1);

      const newKey = generateSigningKey();
      own.keys.splice(0, own.keys.length, newKey);
      await ask(newKey).expect(200);
      expect(own.fetches()).to.equal(2);
      // A key id the partner never published is looked up again, and refused.
      expect((await ask(strangerKey).expect(401)).body.code).to.equal('invalid-client');
      expect(own.fetches()).to.equal(3);
    } finally {
      own.server.close();
    }
  });

  it('when the partner JWKS cannot be fetched, then 401 partner-jwks-unavailable', async () => {
    const partner = await newPartner('http://127.0.0.1:9/.well-known/jwks.json');
    const res = await request(hospital().app).post('/auth/token')
      .send(clientCredentials(clientAssertion(partnerKey, { iss: partner.fhirBaseUrl, aud: tokenUrl() }))).expect(401);
    expect(res.body.code).to.equal('partner-jwks-unavailable');
  });

  it('when a system token reads a patient who gave no consent, then 404', async () => {
    const partner = await newPartner();
    const patient = await newPatient(hospital(), 'NoConsent');
    const res = await request(hospital().app).post('/auth/token')
      .send(clientCredentials(clientAssertion(partnerKey, { iss: partner.fhirBaseUrl, aud: tokenUrl() }))).expect(200);
    await request(hospital().app).get(`/fhir/Patient/${patient.patientId}`).auth(res.body.access_token as string, { type: 'bearer' }).expect(404);
    await request(hospital().app).get('/api/patients').auth(res.body.access_token as string, { type: 'bearer' }).expect((r) => {
      expect(r.status).to.be.oneOf([403, 404, 405]);
    });
  });
});
