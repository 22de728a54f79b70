import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { followUpEligibility } from '../../server/consultations/eligibility.js';
import { DIALECTS } from '../support/databases.js';
import { closePartnerPair, closeServer, fakeIssuer, registerPartner, sharedPatient as sharedPatientAtBoth, startPartnerPair, type ListeningNode } from '../support/exchange.js';
import { newPatient, recorded } from '../support/factories.js';

for (const dialect of DIALECTS) {
  describe(`pulling a patient's records from a partner node, two nodes over HTTP [${dialect}]`, function () {
    let a: ListeningNode;
    let b: ListeningNode;
    let partnerBatA: string;
    let partnerAatB: string;

    before(async function () {
      ({ a, b, partnerBatA, partnerAatB } = await startPartnerPair(this, dialect));
    });
    after(() => closePartnerPair({ a, b }));

    const sharedPatient = async () => {
      const both = await sharedPatientAtBoth({ a, b, partnerBatA, partnerAatB });
      const consents = await request(a.hospital.app).get(`/api/patients/${both.atA.patientId}/consents`).auth(both.atA.token, { type: 'bearer' }).expect(200);
      expect(consents.body.map((c: { partnerPatientId: string }) => c.partnerPatientId)).to.deep.equal([both.atB.patientId]);
      return both;
    };
    const pull = (patient: { patientId: string; token: string }) => request(a.hospital.app)
      .post(`/api/patients/${patient.patientId}/partner-records/pull`).auth(patient.token, { type: 'bearer' });

    it('when the patient pulls, then the I10 diagnosed in person at B makes them eligible at A with partner-record evidence; a re-pull imports nothing new', async () => {
      const { atA, atB: patientAtB } = await sharedPatient();
      expect((await followUpEligibility(a.hospital.db, atA.patientId, { conditionCode: 'I10' })).eligible).to.equal(false);
      const res = await pull(atA).expect(200);
      expect(res.body.unavailable).to.deep.equal([]);
      expect(res.body.imported).to.have.length(1);
      expect(res.body.imported[0]).to.include({ partnerId: partnerBatA, fhirBaseUrl: `${b.url}/fhir`, encounters: 1, conditions: 1 });

      const eligibility = await followUpEligibility(a.hospital.db, atA.patientId, { conditionCode: 'I10' });
      expect(eligibility.eligible).to.equal(true);
      if (eligibility.eligible) expect(eligibility.evidence).to.include({ kind: 'partner-record', code: 'I10', source: `${b.url}/fhir` });

      const condition = await a.hospital.db.models.Condition.findOne({ where: { patientId: atA.patientId }, rejectOnEmpty: true });
      const atB = await b.hospital.db.models.Condition.findOne({ where: { code: 'I10', patientId: patientAtB.patientId }, rejectOnEmpty: true });
      const read = await request(a.hospital.app).get(`/fhir/Condition/${condition.id}`).auth(atA.token, { type: 'bearer' }).expect(200);
      expect(read.body.meta.source).to.equal(`${b.url}/fhir`);
      expect(read.body.identifier, 'the record keeps its identity at the partner').to.deep.equal([
        { use: 'secondary', system: 'urn:ietf:rfc:3986', value: `${b.url}/fhir/Condition/${atB.id}` },
      ]);

      const again = await pull(atA).expect(200);
      expect(again.body.imported[0]).to.include({ encounters: 0, conditions: 0 });
      expect(await a.hospital.db.models.Condition.count({ where: { patientId: atA.patientId } })).to.equal(1);
      const audit = await a.hospital.db.models.AuditEvent.count({ where: { activity: 'partner-pull', patientId: atA.patientId } });
      expect(audit).to.equal(2);
    });

    it('when the patient has more readings at B than one page holds, then the pull follows the pages and imports every one', async () => {
      const { atA, atB } = await sharedPatient();
      const taken = Date.now() - 30 * 86_400_000;
      await recorded(b.hospital, 'Observation', await b.hospital.db.models.Observation.bulkCreate(Array.from({ length: 230 }, (_, i) => ({
        id: crypto.randomUUID(), patientId: atB.patientId, encounterId: null, status: 'final' as const, category: 'vital-signs',
        codeSystem: 'http://loinc.org', code: '8867-4', display: 'Heart rate', effectiveAt: new Date(taken + i * 3_600_000),
        valueNumber: 60 + (i % 40), valueUnit: '/min', components: null, entryMethod: 'device' as const, deviceName: null,
        diagnosticReportId: null, source: null, versionId: 1,
      }))));
      const res = await pull(atA).expect(200);
      expect(res.body.unavailable).to.deep.equal([]);
      expect(res.body.imported[0]).to.include({ observations: 230 });
      expect(await a.hospital.db.models.Observation.count({ where: { patientId: atA.patientId, code: '8867-4' } })).to.equal(230);
    });

    it('when a partner\'s next page points outside its FHIR base URL, then the pull stops there and our token never goes to that address', async () => {
      const { atA } = await sharedPatient();
      const elsewhere = await fakeIssuer([]);
      const standIn = await fakeIssuer([]);
      standIn.state.search = () => ({ resourceType: 'Bundle', type: 'searchset', entry: [], link: [{ relation: 'next', url: `${elsewhere.url}/fhir/Observation?page=2` }] });
      try {
        const standInId = await registerPartner(a.hospital, standIn, 'Hospital Stand-in');
        await request(a.hospital.app).post(`/api/patients/${atA.patientId}/consents`).auth(atA.token, { type: 'bearer' })
          .send({ partnerId: standInId, partnerPatientId: 'p1' }).expect(201);
        const res = await pull(atA).expect(200);
        expect(res.body.unavailable.map((u: { partnerId: string }) => u.partnerId)).to.deep.equal([standInId]);
        expect(res.body.unavailable[0].reason).to.match(/next page of \w+ \(.+\) is not under its FHIR base URL/);
        expect(elsewhere.seen).to.deep.equal([]);
        expect(res.body.imported.map((i: { partnerId: string }) => i.partnerId)).to.deep.equal([partnerBatA]);
      } finally {
        await Promise.all([closeServer(elsewhere.server), closeServer(standIn.server)]);
      }
    });

    it('when the consent at A is revoked, then nothing is pulled', async () => {
      const { atA } = await sharedPatient();
      await request(a.hospital.app).post(`/api/patients/${atA.patientId}/consents/${partnerBatA}/revoke`).auth(atA.token, { type: 'bearer' }).expect(200);
      const res = await pull(atA).expect(200);
      expect(res.body).to.deep.equal({ imported: [], unavailable: [] });
      expect(await a.hospital.db.models.Condition.count({ where: { patientId: atA.patientId } })).to.equal(0);
    });

    it('when the patient revoked the release at B, then B\'s searches come back empty and nothing is imported', async () => {
      const { atA, atB } = await sharedPatient();
      await request(b.hospital.app).post(`/api/patients/${atB.patientId}/consents/${partnerAatB}/revoke`).auth(atB.token, { type: 'bearer' }).expect(200);
      const res = await pull(atA).expect(200);
      expect(res.body.unavailable).to.deep.equal([]);
      expect(res.body.imported[0]).to.include({ encounters: 0, conditions: 0, observations: 0 });
      expect(await a.hospital.db.models.Condition.count({ where: { patientId: atA.patientId } })).to.equal(0);
    });

    it('when a partner is down, then the pull lists it under unavailable, the others still answer, and eligibility still answers', async () => {
      const { atA } = await sharedPatient();
      const downId = await registerPartner(a.hospital, { url: 'http://127.0.0.1:9' }, 'Hospital Down');
      await request(a.hospital.app).post(`/api/patients/${atA.patientId}/consents`).auth(atA.token, { type: 'bearer' })
        .send({ partnerId: downId, partnerPatientId: 'whoever' }).expect(201);
      const res = await pull(atA).expect(200);
      expect(res.body.unavailable.map((u: { partnerId: string }) => u.partnerId)).to.deep.equal([downId]);
      expect(res.body.unavailable[0].reason).to.be.a('string').and.not.equal('');
      expect(res.body.imported.map((i: { partnerId: string }) => i.partnerId)).to.deep.equal([partnerBatA]);
      expect((await followUpEligibility(a.hospital.db, atA.patientId, { conditionCode: 'I10' })).eligible).to.equal(true);
    });

    it('when another patient asks to pull for this one, then 404 as for a patient that does not exist', async () => {
      const { atA } = await sharedPatient();
      const other = await newPatient(a.hospital, 'Nosy');
      await request(a.hospital.app).post(`/api/patients/${atA.patientId}/partner-records/pull`).auth(other.token, { type: 'bearer' }).expect(404);
    });
  });
}
