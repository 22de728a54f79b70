import { expect } from 'chai';
import request from 'supertest';
import { generateSigningKey, keyRing } from '../../server/auth/keys.js';
import { signDetached } from '../../server/prescriptions/signing.js';
import { DIALECTS } from '../support/databases.js';
import {
  clientAssertion, clientCredentials, closePartnerPair, closeServer, fakeIssuer, registerPartner, startPartnerPair, type ListeningNode,
} from '../support/exchange.js';
import { newCommunityPharmacist, newPatient } from '../support/factories.js';
import { outcomeCode, param, parameters, PHARMACIST, readyPrescription } from '../support/prescriptions.js';

for (const dialect of DIALECTS) {
  describe(`e-prescriptions recognised across hospitals, two nodes over HTTP [${dialect}]`, function () {
    let a: ListeningNode;
    let b: ListeningNode;
    let pharmacistA: string;
    let pharmacistB: string;
    let partnerAatB: string;
    let partnerBatA: string;

    before(async function () {
      ({ a, b, partnerBatA, partnerAatB } = await startPartnerPair(this, dialect));
      pharmacistA = await a.hospital.tokenFor(PHARMACIST);
      pharmacistB = await b.hospital.tokenFor(PHARMACIST);
    });
    after(() => closePartnerPair({ a, b }));

    const take = (code: string, token = pharmacistB, at = b) => request(at.hospital.app).post('/api/dispensations').auth(token, { type: 'bearer' }).send({ code });
    const handOver = (id: string, dispenses: { lineNo: number; quantity: number }[], at = b) =>
      request(at.hospital.app).post(`/api/dispensations/${id}/hand-over`).auth(pharmacistB, { type: 'bearer' }).send({ dispenses });
    const acceptAtA = (id: string, accessCode: string) => request(a.hospital.app).post(`/fhir/Task/${id}/$accept`)
      .auth(pharmacistA, { type: 'bearer' }).type('application/fhir+json').send(parameters({ accessCode }));

    it('when a pharmacist at B enters a code issued at A, then B verifies it against A\'s keys and dispenses it at A exactly once', async () => {
      const rx = await readyPrescription(a.hospital);
      const taken = await take(rx.code).expect(201);
      expect(taken.body).to.deep.include({ status: 'in-progress', signature: { kid: a.hospital.node.keys.active.kid, verified: true } });
      expect(taken.body.issuer).to.deep.equal({ fhirBaseUrl: `${a.url}/fhir`, name: 'Hospital A', partnerId: partnerAatB });
      expect(taken.body.prescription).to.include({ id: rx.id });
      expect(taken.body.prescription.lines).to.have.length(1);
      expect(taken.body.prescription.lines[0]).to.include({ lineNo: 1, drugCode: 'C09AA05', quantity: 7 });

      const held = await request(a.hospital.app).get(`/fhir/Task/${rx.id}`).auth(pharmacistA, { type: 'bearer' }).expect(200);
      expect(held.body.status).to.equal('in-progress');
      expect(held.body.owner.display).to.contain('Hospital B');

      const tooMuch = await handOver(taken.body.id, [{ lineNo: 1, quantity: 8 }]).expect(400);
      expect(tooMuch.body.code).to.equal('quantity-exceeds-prescribed');
      const done = await handOver(taken.body.id, [{ lineNo: 1, quantity: 7 }]).expect(200);
      expect(done.body.status).to.equal('completed');
      expect(done.body.receipt.verified).to.equal(true);
      expect(done.body.receipt.content).to.include({ prescriptionId: rx.id, status: 'completed' });
      expect(done.body.dispensed).to.deep.equal([{ lineNo: 1, drugCode: 'C09AA05', quantity: 7 }]);

      const atA = await request(a.hospital.app).get(`/api/prescriptions/${rx.id}`).auth(rx.patient.token, { type: 'bearer' }).expect(200);
      expect(atA.body.status).to.equal('completed');
      const dispenses = await a.hospital.db.models.MedicationDispense.findAll({ where: { prescriptionId: rx.id } });
      expect(dispenses.map((d) => d.quantity)).to.deep.equal([7]);
      expect(dispenses[0].pharmacy).to.contain('Hospital B');

      const againAtB = await take(rx.code).expect(409);
      expect(againAtB.body.code).to.equal('prescription-already-dispensed');
      const againAtA = await acceptAtA(rx.id, rx.accessCode).expect(409);
      expect(outcomeCode(againAtA.body)).to.equal('prescription-already-dispensed');

      const audit = await a.hospital.db.models.AuditEvent.findAll({ where: { resourceId: rx.id, actorUserId: `partner:${partnerBatA}` } });
      expect(audit.map((e) => e.activity)).to.include.members(['prescription-looked-up', 'prescription-accepted', 'prescription-dispensed']);
      const ours = await b.hospital.db.models.AuditEvent.findAll({ where: { resourceId: taken.body.id } });
      expect(ours.map((e) => e.activity)).to.include.members(['dispensation-accepted', 'dispensation-completed']);
    });

    it('when B hands over A\'s prescription, then each keeps a MedicationDispense under the access rules: A\'s patient reads A\'s, B stores its own', async () => {
      const rx = await readyPrescription(a.hospital);
      const taken = await take(rx.code).expect(201);
      await handOver(taken.body.id, [{ lineNo: 1, quantity: 7 }]).expect(200);
      const fhirAt = (node: ListeningNode, token: string, path: string) => request(node.hospital.app).get(`/fhir/${path}`).auth(token, { type: 'bearer' });

      // At the issuer: the handover is the patient's record, read through /fhir by them and by no other patient.
      const atA = (await fhirAt(a, rx.patient.token, `MedicationDispense?subject=Patient/${rx.patient.patientId}`).expect(200)).body;
      expect(atA.entry).to.have.length(1);
      expect(atA.entry[0].resource).to.deep.include({ status: 'completed', quantity: { value: 7 } });
      expect(atA.entry[0].resource.performer[0].actor.display).to.contain('Hospital B');
      await fhirAt(a, rx.patient.token, `MedicationDispense/${atA.entry[0].resource.id as string}`).expect(200);
      const strangerAtA = await newPatient(a.hospital, 'Stranger');
      await fhirAt(a, strangerAtA.token, `MedicationDispense/${atA.entry[0].resource.id as string}`).expect(404);

      // At the pharmacy's node: its own MedicationDispense, stored by the repository (version 1, audited), naming A's
      // patient and prescription by absolute reference; it is no patient of B's, so B's patients and pharmacists do not read it.
      const id = `${taken.body.id as string}-1`;
      const { FhirResource, ResourceVersion, AuditEvent } = b.hospital.db.models;
      const stored = JSON.parse((await FhirResource.findOne({ where: { resourceType: 'MedicationDispense', id }, rejectOnEmpty: true })).content);
      expect(stored.subject.reference).to.equal(`${rx.code.split('/Task/')[0]}/Patient/${rx.patient.patientId}`);
      expect(stored.authorizingPrescription[0].reference).to.equal(`${rx.code.split('/Task/')[0]}/MedicationRequest/${rx.lines[0].id}`);
      expect(stored).to.deep.include({ status: 'completed', quantity: { value: 7 } });
      expect(await ResourceVersion.count({ where: { resourceType: 'MedicationDispense', resourceId: id } })).to.equal(1);
      expect(await AuditEvent.count({ where: { resourceType: 'MedicationDispense', resourceId: id, action: 'C', activity: 'dispensation-completed' } })).to.equal(1);
      const patientAtB = await newPatient(b.hospital, 'Local');
      await fhirAt(b, patientAtB.token, `MedicationDispense/${id}`).expect(404);
      await fhirAt(b, pharmacistB, `MedicationDispense/${id}`).expect(403);
    });

    it('when B\'s pharmacy and A\'s own pharmacy race for the same code, then exactly one of the 20 holds it', async () => {
      const rx = await readyPrescription(a.hospital);
      const answers = await Promise.all([
        ...Array.from({ length: 10 }, () => take(rx.code)),
        ...Array.from({ length: 10 }, () => acceptAtA(rx.id, rx.accessCode)),
      ]);
      const won = answers.filter((r) => r.status === 200 || r.status === 201);
      expect(won, answers.map((r) => r.status).join(',')).to.have.length(1);
      expect(answers.filter((r) => r.status === 409)).to.have.length(19);
      const dispensations = await b.hospital.db.models.Dispensation.count({ where: { prescriptionId: rx.id } });
      expect(dispensations).to.equal(won[0].status === 201 ? 1 : 0);
    });

    it('when B gives the prescription back, then it is ready at A again and B can no longer hand it over', async () => {
      const rx = await readyPrescription(a.hospital);
      const taken = await take(rx.code).expect(201);
      const back = await request(b.hospital.app).post(`/api/dispensations/${taken.body.id}/give-back`).auth(pharmacistB, { type: 'bearer' }).expect(200);
      expect(back.body.status).to.equal('given-back');
      expect((await a.hospital.db.models.Prescription.findByPk(rx.id, { rejectOnEmpty: true })).status).to.equal('ready');
      const late = await handOver(taken.body.id, [{ lineNo: 1, quantity: 7 }]).expect(409);
      expect(late.body.code).to.equal('dispensation-not-in-progress');
      await acceptAtA(rx.id, rx.accessCode).expect(200);
    });

    it('when the code is wrong, the prescription cancelled or expired at A, then B refuses with A\'s documented code and holds nothing', async () => {
      const wrong = await readyPrescription(a.hospital);
      const badCode = await take(wrong.code.replace(/access-code=.*/, `access-code=${'A'.repeat(43)}`)).expect(403);
      expect(badCode.body.code).to.equal('wrong-access-code');

      const cancelled = await readyPrescription(a.hospital);
      await request(a.hospital.app).post(`/api/prescriptions/${cancelled.id}/cancel`).auth(cancelled.doctor.token, { type: 'bearer' }).expect(200);
      expect((await take(cancelled.code).expect(410)).body.code).to.equal('prescription-cancelled');

      const expired = await readyPrescription(a.hospital);
      await a.hospital.db.models.Prescription.update({ validUntil: new Date(Date.now() - 60_000) }, { where: { id: expired.id } });
      const late = await take(expired.code).expect(403);
      expect(late.body.code).to.equal('prescription-expired');
      expect(late.body.title).to.match(/expired on \d{4}-\d\d-\d\d/);

      expect(await b.hospital.db.models.Dispensation.count({ where: { prescriptionId: [wrong.id, cancelled.id, expired.id] } })).to.equal(0);
      const refusals = await b.hospital.db.models.AuditEvent.count({ where: { activity: 'dispensation-refused' } });
      expect(refusals).to.be.at.least(3);
    });

    it('when the issuer is not a registered partner, or is down, then B refuses with the reason and dispenses nothing', async () => {
      const rx = await readyPrescription(a.hospital);
      const stranger = await take(rx.code.replace(a.url, 'http://127.0.0.1:9')).expect(422);
      expect(stranger.body.code).to.equal('unknown-issuer');
      expect(stranger.body.title).to.contain('not a registered partner');

      await registerPartner(b.hospital, { url: 'http://127.0.0.1:9' }, 'Hospital Down');
      const down = await take(rx.code.replace(a.url, 'http://127.0.0.1:9')).expect(503);
      expect(down.body.code).to.be.oneOf(['issuer-unavailable', 'issuer-keys-unavailable']);
      expect(await b.hospital.db.models.Dispensation.count({ where: { prescriptionId: rx.id } })).to.equal(0);
      expect((await a.hospital.db.models.Prescription.findByPk(rx.id, { rejectOnEmpty: true })).status).to.equal('ready');
    });

    it('when an issuer presents a tampered, badly signed or different prescription, then B refuses with the reason and never accepts', async () => {
      const issuerKey = generateSigningKey();
      const forger = await fakeIssuer([issuerKey]);
      try {
        await registerPartner(b.hospital, forger, 'Hospital F');
        const id = 'f0000000-0000-4000-8000-000000000001';
        const content = {
          type: 'prescription', version: 1, id, number: 'RX-F-1', issuer: forger.url, issuedAt: new Date().toISOString(),
          validUntil: new Date(Date.now() + 86_400_000).toISOString(), patient: { id: 'p', name: 'Pat F', birthDate: null },
          prescriber: { id: 'd', name: 'Dr F', organization: null }, encounterId: 'e', chronicCondition: null, validityReason: null, replaces: null,
          lines: [{ id: 'l1', lineNo: 1, drug: { code: 'C09AA05', name: 'ramipril' }, dose: '1', frequency: 'daily', quantity: 7, supplyDays: 7 }],
        };
        const answer = (signed: { content: string; jws: string }) => ({
          resourceType: 'Parameters',
          parameter: [
            { name: 'prescription', valueBase64Binary: Buffer.from(signed.content).toString('base64') },
            { name: 'signature', valueString: signed.jws },
            { name: 'task', resource: { resourceType: 'Task', id, status: 'ready' } },
          ],
        });
        const code = `${forger.url}/fhir/Task/${id}#access-code=${'c'.repeat(43)}`;
        const genuine = signDetached(keyRing([issuerKey]), content, 'prescription+json');

        forger.state.lookup = answer({ ...genuine, content: genuine.content.replace('"quantity":7', '"quantity":70') });
        const tampered = await take(code).expect(422);
        expect(tampered.body).to.include({ code: 'prescription-signature-invalid', reason: 'bad-signature' });

        const impostorKey = { ...generateSigningKey(), kid: issuerKey.kid };
        forger.state.lookup = answer(signDetached(keyRing([impostorKey]), content, 'prescription+json'));
        expect((await take(code).expect(422)).body).to.include({ code: 'prescription-signature-invalid', reason: 'bad-signature' });

        forger.state.lookup = answer(signDetached(keyRing([issuerKey]), { ...content, id: 'another-prescription' }, 'prescription+json'));
        expect((await take(code).expect(422)).body.code).to.equal('prescription-content-mismatch');

        expect(forger.seen.filter((r) => r.includes('$accept'))).to.deep.equal([]);
        expect(await b.hospital.db.models.Dispensation.count({ where: { prescriptionId: id } })).to.equal(0);
      } finally {
        await closeServer(forger.server);
      }
    });

    it('when a code issued at A is entered at A\'s own desk, then the same flow dispenses it locally', async () => {
      const rx = await readyPrescription(a.hospital);
      const taken = await take(rx.code, pharmacistA, a).expect(201);
      expect(taken.body.issuer).to.include({ name: 'this hospital', partnerId: null });
      const done = await request(a.hospital.app).post(`/api/dispensations/${taken.body.id}/hand-over`).auth(pharmacistA, { type: 'bearer' })
        .send({ dispenses: [{ lineNo: 1, quantity: 5 }] }).expect(200);
      expect(done.body.receipt.verified).to.equal(true);
      expect((await a.hospital.db.models.Prescription.findByPk(rx.id, { rejectOnEmpty: true })).status).to.equal('completed');
    });

    it('when another pharmacy on the same node looks at or hands over B\'s dispensation, then it is not found there and nothing moves', async () => {
      const rx = await readyPrescription(a.hospital);
      const taken = await take(rx.code).expect(201);
      const corner = await newCommunityPharmacist(b.hospital);
      const asCorner = (method: 'get' | 'post', path: string) => request(b.hospital.app)[method](path).auth(corner.token, { type: 'bearer' });
      expect((await asCorner('get', '/api/dispensations').expect(200)).body).to.deep.equal([]);
      await asCorner('get', `/api/dispensations/${taken.body.id}`).expect(404);
      await asCorner('post', `/api/dispensations/${taken.body.id}/hand-over`).send({ dispenses: [{ lineNo: 1, quantity: 7 }] }).expect(404);
      expect((await request(b.hospital.app).get('/api/dispensations').auth(pharmacistB, { type: 'bearer' }).expect(200)).body.map((d: { id: string }) => d.id))
        .to.include(taken.body.id);
      expect((await a.hospital.db.models.Prescription.findByPk(rx.id, { rejectOnEmpty: true })).status).to.equal('in-progress');
    });

    it('when a partner looks up a code with a system token without the dispensing scope, or a patient tries the desk, then 403', async () => {
      const rx = await readyPrescription(a.hospital);
      await take(rx.code, rx.patient.token, a).expect(403);
      const lookup = await request(a.hospital.app).post(`/fhir/Task/${rx.id}/$lookup`).auth(rx.patient.token, { type: 'bearer' })
        .type('application/fhir+json').send(parameters({ accessCode: rx.accessCode })).expect(403);
      expect(outcomeCode(lookup.body)).to.equal('wrong-role');
      const readOnly = await request(a.hospital.app).post('/auth/token').send(clientCredentials(clientAssertion(b.hospital.node.keys.active, {
        iss: `${b.url}/fhir`, aud: `${a.url}/auth/token`,
      }), 'system/*.read')).expect(200);
      const noScope = await request(a.hospital.app).post(`/fhir/Task/${rx.id}/$lookup`).auth(readOnly.body.access_token, { type: 'bearer' })
        .type('application/fhir+json').send(parameters({ accessCode: rx.accessCode })).expect(403);
      expect(outcomeCode(noScope.body)).to.equal('wrong-role');
      const found = await request(a.hospital.app).post(`/fhir/Task/${rx.id}/$lookup`).auth(pharmacistA, { type: 'bearer' })
        .type('application/fhir+json').send(parameters({ accessCode: rx.accessCode })).expect(200);
      expect(param(found.body, 'signature')?.valueString).to.match(/^[\w-]+\.\.[\w-]+$/);
      expect((await a.hospital.db.models.Prescription.findByPk(rx.id, { rejectOnEmpty: true })).status, '$lookup changes nothing').to.equal('ready');
    });
  });
}
