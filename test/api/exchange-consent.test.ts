import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { hasExchangeConsent } from '../../server/exchange/consents.js';
import { adminToken } from '../support/consultations.js';
import { newDoctor, newPatient } from '../support/factories.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('partner hospitals and exchange consent', (hospital) => {
  async function newPartner() {
    const host = `partner-${crypto.randomBytes(4).toString('hex')}.example.test`;
    const res = await request(hospital().app).post('/api/partners').auth(await adminToken(hospital()), { type: 'bearer' })
      .send({ name: `Partner ${host}`, fhirBaseUrl: `https://${host}/fhir/`, jwksUrl: `https://${host}/.well-known/jwks.json` }).expect(201);
    return res.body as { id: string; fhirBaseUrl: string };
  }

  it('when an admin registers a partner, then it is listed with its URLs; the same FHIR base URL again is 409', async () => {
    const partner = await newPartner();
    expect(partner.fhirBaseUrl).to.match(/\/fhir$/);
    const doctor = await newDoctor(hospital(), 'Lister');
    const list = await request(hospital().app).get('/api/partners').auth(doctor.token, { type: 'bearer' }).expect(200);
    expect(list.body.map((p: { id: string }) => p.id)).to.include(partner.id);
    const again = await request(hospital().app).post('/api/partners').auth(await adminToken(hospital()), { type: 'bearer' })
      .send({ name: 'Again', fhirBaseUrl: partner.fhirBaseUrl, jwksUrl: 'https://x.example.test/jwks' }).expect(409);
    expect(again.body.code).to.equal('partner-exists');
  });

  it('when a doctor or a patient tries to register a partner, then 403; a bad URL is 400', async () => {
    const doctor = await newDoctor(hospital(), 'NotAdmin');
    await request(hospital().app).post('/api/partners').auth(doctor.token, { type: 'bearer' })
      .send({ name: 'X', fhirBaseUrl: 'https://x.example.test/fhir', jwksUrl: 'https://x.example.test/jwks' }).expect(403);
    const res = await request(hospital().app).post('/api/partners').auth(await adminToken(hospital()), { type: 'bearer' })
      .send({ name: 'X', fhirBaseUrl: 'ftp://x', jwksUrl: 'not a url' }).expect(400);
    expect(res.body.errors.map((e: { expression: string }) => e.expression)).to.include.members(['body.fhirBaseUrl', 'body.jwksUrl']);
  });

  it('when the patient grants and then revokes consent, then hasExchangeConsent follows, and each version is kept', async () => {
    const partner = await newPartner();
    const patient = await newPatient(hospital(), 'Consenting');
    expect(await hasExchangeConsent(hospital().db, patient.patientId, partner.id)).to.equal(false);
    const granted = await request(hospital().app).post(`/api/patients/${patient.patientId}/consents`).auth(patient.token, { type: 'bearer' })
      .send({ partnerId: partner.id }).expect(201);
    expect(granted.body).to.include({ status: 'active', partnerId: partner.id, revokedAt: null });
    expect(await hasExchangeConsent(hospital().db, patient.patientId, partner.id)).to.equal(true);

    const revoked = await request(hospital().app).post(`/api/patients/${patient.patientId}/consents/${partner.id}/revoke`)
      .auth(patient.token, { type: 'bearer' }).expect(200);
    expect(revoked.body.status).to.equal('inactive');
    expect(await hasExchangeConsent(hospital().db, patient.patientId, partner.id)).to.equal(false);
    await request(hospital().app).post(`/api/patients/${patient.patientId}/consents/${partner.id}/revoke`).auth(patient.token, { type: 'bearer' }).expect(409);

    await request(hospital().app).post(`/api/patients/${patient.patientId}/consents`).auth(patient.token, { type: 'bearer' }).send({ partnerId: partner.id }).expect(201);
    expect(await hasExchangeConsent(hospital().db, patient.patientId, partner.id)).to.equal(true);
    const versions = await hospital().db.models.ResourceVersion.findAll({ where: { resourceType: 'Consent', resourceId: granted.body.id }, order: [['versionId', 'ASC']] });
    expect(versions.map((v) => JSON.parse(v.content).status)).to.deep.equal(['active', 'inactive', 'active']);
    const audit = await hospital().db.models.AuditEvent.findAll({ where: { resourceId: granted.body.id }, order: [['id', 'ASC']] });
    expect(audit.map((a) => a.activity)).to.deep.equal(['consent-granted', 'consent-revoked', 'consent-granted']);
  });

  it('when the partner registration is deactivated, then an active consent no longer allows a pull', async () => {
    const partner = await newPartner();
    const patient = await newPatient(hospital(), 'Deactivated');
    await request(hospital().app).post(`/api/patients/${patient.patientId}/consents`).auth(patient.token, { type: 'bearer' }).send({ partnerId: partner.id }).expect(201);
    await hospital().db.models.Partner.update({ active: false }, { where: { id: partner.id } });
    expect(await hasExchangeConsent(hospital().db, patient.patientId, partner.id)).to.equal(false);
  });

  it("when someone else grants consent for a patient, then 404 as for a patient that does not exist; an unknown partner is 404", async () => {
    const partner = await newPartner();
    const patient = await newPatient(hospital(), 'Owner');
    const other = await newPatient(hospital(), 'NotOwner');
    await request(hospital().app).post(`/api/patients/${patient.patientId}/consents`).auth(other.token, { type: 'bearer' }).send({ partnerId: partner.id }).expect(404);
    const res = await request(hospital().app).post(`/api/patients/${patient.patientId}/consents`).auth(patient.token, { type: 'bearer' }).send({ partnerId: 'nope' }).expect(404);
    expect(res.body.code).to.equal('partner-not-found');
  });
});
