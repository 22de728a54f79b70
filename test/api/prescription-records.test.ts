import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Express } from 'express';
import { Op } from 'sequelize';
import request from 'supertest';
import { buildApp } from '../../server/app.js';
import { generateSigningKey, keyRing } from '../../server/auth/keys.js';
import { tokenIssuer } from '../../server/auth/tokens.js';
import { IDEMPOTENCY_RETENTION_MS } from '../../server/http/idempotency.js';
import { verifyDetached } from '../../server/prescriptions/signing.js';
import { loadDrugCatalogueFile } from '../../server/prescriptions/drug-catalogue.js';
import { newPatient } from '../support/factories.js';
import { validateR4 } from '../support/fhir-validator.js';
import { issuePrescription, openFollowUpVisit, outcomeCode, param, parameters, readyPrescription } from '../support/prescriptions.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('e-prescriptions: catalogue, access and stored records', (hospital) => {
  it('when a catalogue file is loaded, then its drugs can be prescribed and its controlled ones are refused', async () => {
    const file = path.join(os.tmpdir(), `drugs-${process.pid}-${hospital().dialect}.json`);
    fs.writeFileSync(file, JSON.stringify([
      { code: 'C07AB07', name: 'Bisoprolol', form: 'tablet', strength: '5 mg', route: 'oral' },
      { code: 'N02AB03', name: 'Fentanyl', form: 'patch', strength: '25 micrograms/h', route: 'transdermal', narcotic: true },
    ]));
    expect(await loadDrugCatalogueFile(hospital().db, file)).to.equal(2);
    fs.rmSync(file);
    const setup = await openFollowUpVisit(hospital());
    const line = { dose: '1', frequency: 'daily', quantity: 7, supplyDays: 7 };
    expect((await issuePrescription(hospital(), setup, { lines: [{ ...line, drugCode: 'C07AB07' }] })).status).to.equal(201);
    const refused = await issuePrescription(hospital(), setup, { lines: [{ ...line, drugCode: 'N02AB03' }] });
    expect(refused.body).to.include({ code: 'controlled-drug-not-online' });
  });

  it('when another patient asks for a prescription or its code, then 404 as for one that does not exist, and the refusal is audited', async () => {
    const rx = await readyPrescription(hospital());
    const stranger = await newPatient(hospital(), 'Stranger');
    const res = await request(hospital().app).get(`/api/prescriptions/${rx.id}/code`).auth(stranger.token, { type: 'bearer' });
    expect(res.status).to.equal(404);
    expect(res.body.code).to.equal('prescription-not-found');
    const audit = await hospital().db.models.AuditEvent.findOne({ where: { resourceId: rx.id, actorUserId: stranger.userId, outcome: '4' } });
    expect(audit).to.not.equal(null);
  });

  it('when a doctor calls $accept, then 403 wrong-role; when the Task is read, then it is valid R4 with its validity period', async () => {
    const rx = await readyPrescription(hospital());
    const res = await request(hospital().app).post(`/fhir/Task/${rx.id}/$accept`).auth(rx.doctor.token, { type: 'bearer' }).send(parameters({ accessCode: rx.accessCode }));
    expect(res.status).to.equal(403);
    expect(res.body.resourceType).to.equal('OperationOutcome');
    const task = await request(hospital().app).get(`/fhir/Task/${rx.id}`).auth(rx.patient.token, { type: 'bearer' });
    expect(task.status).to.equal(200);
    expect(task.body).to.include({ status: 'ready', intent: 'order' });
    expect(task.body.restriction.period.end).to.be.a('string');
    expect(validateR4(task.body).issues.filter((i) => i.severity === 'error')).to.deep.equal([]);
  });

  it('when an accept is replayed by Idempotency-Key, then the stored answer does not reveal the secret, the access code is stored only hashed', async () => {
    const rx = await readyPrescription(hospital());
    const accepted = await request(hospital().app).post(`/fhir/Task/${rx.id}/$accept`).auth(rx.pharmacistToken, { type: 'bearer' })
      .set('Idempotency-Key', `accept-${rx.id}`).send(parameters({ accessCode: rx.accessCode }));
    const secret = param(accepted.body, 'secret')!.valueString!;
    const stored = await hospital().db.models.IdempotencyKey.findAll();
    expect(stored.length).to.be.greaterThan(0);
    for (const row of stored) expect(row.responseBody ?? '').to.not.include(secret);
    const rowText = JSON.stringify((await hospital().db.models.Prescription.findByPk(rx.id, { rejectOnEmpty: true })).get());
    expect(rowText).to.not.include(secret);
    expect(rowText).to.not.include(rx.accessCode);
    const reused = await request(hospital().app).post(`/fhir/Task/${rx.id}/$accept`).auth(rx.pharmacistToken, { type: 'bearer' })
      .set('Idempotency-Key', `accept-${rx.id}`).send(parameters({ accessCode: `${rx.accessCode}x` }));
    expect(reused.status).to.equal(422);
  });

  it('when ten retries with one Idempotency-Key arrive at once, then each gets the first answer or 409 idempotency-key-in-use, and one accept happened', async () => {
    const rx = await readyPrescription(hospital());
    const results = await Promise.all(Array.from({ length: 10 }, () => request(hospital().app).post(`/fhir/Task/${rx.id}/$accept`)
      .auth(rx.pharmacistToken, { type: 'bearer' }).set('Idempotency-Key', `race-${rx.id}`).send(parameters({ accessCode: rx.accessCode }))));
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).to.be.at.least(1);
    expect(new Set(ok.map((r) => param(r.body, 'secret')!.valueString)).size).to.equal(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).to.equal(409);
      expect(r.body.issue[0].details.coding[0].code).to.equal('idempotency-key-in-use');
    }
    expect(await hospital().db.models.AuditEvent.count({ where: { resourceId: rx.id, activity: 'prescription-accepted' } })).to.equal(1);
  });

  it('when a stored answer is over a day old, then it is purged and a retry with its key is a new request', async () => {
    const rx = await readyPrescription(hospital());
    const { IdempotencyKey } = hospital().db.models;
    const accept = (app: Express) => request(app)
      .post(`/fhir/Task/${rx.id}/$accept`).auth(rx.pharmacistToken, { type: 'bearer' }).set('Idempotency-Key', `old-${rx.id}`).send(parameters({ accessCode: rx.accessCode }));
    const first = await accept(hospital().app).expect(200);
    await IdempotencyKey.update({ createdAt: new Date(Date.now() - IDEMPOTENCY_RETENTION_MS - 60_000) }, { where: {}, silent: true });
    // A process that starts now purges on its first keyed request.
    const { app } = buildApp({ config: hospital().config, db: hospital().db, keys: hospital().node.keys, log: hospital().node.log });
    const retry = await accept(app).expect(409);
    expect(retry.get('Idempotent-Replayed')).to.equal(undefined);
    expect(outcomeCode(retry.body)).to.equal('prescription-already-accepted');
    expect(param(first.body, 'secret')).to.not.equal(undefined);
    expect(await IdempotencyKey.count({ where: { createdAt: { [Op.lt]: new Date(Date.now() - IDEMPOTENCY_RETENTION_MS) } } })).to.equal(0);
  });

  it('when the hospital rotates its signing key, then a prescription signed before still verifies at /.well-known/jwks.json and can be dispensed', async () => {
    const rx = await readyPrescription(hospital());
    const oldKey = hospital().node.keys.active;
    const newKey = generateSigningKey(new Date(Date.now() + 86_400_000));
    const { app } = buildApp({ config: hospital().config, db: hospital().db, keys: keyRing([oldKey, newKey]), log: hospital().node.log });
    const jwks = (await request(app).get('/.well-known/jwks.json')).body;
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).to.include.members([oldKey.kid, newKey.kid]);
    const pharmacist = await hospital().db.models.User.findOne({ where: { email: 'pharm.li@demo.test' }, rejectOnEmpty: true });
    const token = tokenIssuer(hospital().config, keyRing([oldKey, newKey])).issueAccessToken({
      sub: pharmacist.id, role: 'pharmacist', patient: null, practitioner: pharmacist.practitionerId, org: pharmacist.organizationId, scope: 'user/*.read user/*.write',
    });
    const accepted = await request(app).post(`/fhir/Task/${rx.id}/$accept`).auth(token, { type: 'bearer' }).send(parameters({ accessCode: rx.accessCode }));
    expect(accepted.status).to.equal(200);
    const content = Buffer.from((param(accepted.body, 'prescription') as { valueBase64Binary: string }).valueBase64Binary, 'base64').toString('utf8');
    expect(verifyDetached(param(accepted.body, 'signature')!.valueString!, content, jwks)).to.deep.include({ valid: true, kid: oldKey.kid });
  });
});
