import http from 'node:http';
import { expect } from 'chai';
import request from 'supertest';
import { verifyDetached } from '../../server/prescriptions/signing.js';
import { dispenseOf, outcomeCode, param, parameters, readyPrescription } from '../support/prescriptions.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

describeOnEachDatabase('e-prescriptions: dispensing exactly once (Task operations)', (hospital) => {
  const op = (node: TestNode, id: string, name: string, token: string) =>
    request(node.app).post(`/fhir/Task/${id}/$${name}`).auth(token, { type: 'bearer' }).type('application/fhir+json');

  it('when a pharmacy accepts with the access code and closes with the secret, then it is completed once with a signed receipt', async () => {
    const rx = await readyPrescription(hospital());
    const accepted = await op(hospital(), rx.id, 'accept', rx.pharmacistToken).send(parameters({ accessCode: rx.accessCode }));
    expect(accepted.status).to.equal(200);
    const secret = param(accepted.body, 'secret')!.valueString!;
    const content = Buffer.from(param(accepted.body, 'prescription')!.valueBase64Binary!, 'base64').toString('utf8');
    const jwks = (await request(hospital().app).get('/.well-known/jwks.json')).body;
    expect(verifyDetached(param(accepted.body, 'signature')!.valueString!, content, jwks)).to.deep.include({ valid: true });
    const task = await request(hospital().app).get(`/fhir/Task/${rx.id}`).auth(rx.pharmacistToken, { type: 'bearer' });
    expect(task.body).to.include({ resourceType: 'Task', status: 'in-progress' });

    const tooMuch = await op(hospital(), rx.id, 'close', rx.pharmacistToken).send(parameters({ secret }, [dispenseOf(rx.lines[0].id, 8)]));
    expect(tooMuch.status).to.equal(400);
    expect(outcomeCode(tooMuch.body)).to.equal('quantity-exceeds-prescribed');

    const closed = await op(hospital(), rx.id, 'close', rx.pharmacistToken).send(parameters({ secret }, [dispenseOf(rx.lines[0].id, 7)]));
    expect(closed.status).to.equal(200);
    const receipt = Buffer.from(param(closed.body, 'receipt')!.valueBase64Binary!, 'base64').toString('utf8');
    expect(verifyDetached(param(closed.body, 'receiptSignature')!.valueString!, receipt, jwks)).to.deep.include({ valid: true });
    expect(JSON.parse(receipt)).to.include({ prescriptionId: rx.id, status: 'completed' });

    const twice = await op(hospital(), rx.id, 'close', rx.pharmacistToken).send(parameters({ secret }, [dispenseOf(rx.lines[0].id, 7)]));
    expect(twice.status).to.equal(409);
    expect(outcomeCode(twice.body)).to.equal('prescription-already-dispensed');
    const again = await op(hospital(), rx.id, 'accept', rx.pharmacistToken).send(parameters({ accessCode: rx.accessCode }));
    expect(again.status).to.equal(409);

    const after = await hospital().db.models.Prescription.findByPk(rx.id, { rejectOnEmpty: true });
    expect(after.signedContent, 'signed bytes never change').to.equal(content);
    const dispenses = await hospital().db.models.MedicationDispense.findAll({ where: { prescriptionId: rx.id } });
    expect(dispenses.map((d) => d.quantity)).to.deep.equal([7]);
    const audit = await hospital().db.models.AuditEvent.findAll({ where: { resourceId: rx.id }, order: [['id', 'ASC']] });
    expect(audit.map((a) => a.activity)).to.include.members(['prescription-issued', 'prescription-approved', 'prescription-accepted', 'prescription-dispensed']);
  });

  it('when the access code or the secret is wrong, then 403 with distinct codes; $reject gives it back to ready', async () => {
    const rx = await readyPrescription(hospital());
    const wrongCode = await op(hospital(), rx.id, 'accept', rx.pharmacistToken).send(parameters({ accessCode: 'A'.repeat(43) }));
    expect(wrongCode.status).to.equal(403);
    expect(wrongCode.body.resourceType).to.equal('OperationOutcome');
    expect(outcomeCode(wrongCode.body)).to.equal('wrong-access-code');
    const accepted = await op(hospital(), rx.id, 'accept', rx.pharmacistToken).send(parameters({ accessCode: rx.accessCode }));
    const wrongSecret = await op(hospital(), rx.id, 'close', rx.pharmacistToken).send(parameters({ secret: 'nope' }, [dispenseOf(rx.lines[0].id, 1)]));
    expect(wrongSecret.status).to.equal(403);
    expect(outcomeCode(wrongSecret.body)).to.equal('wrong-secret');
    const givenBack = await op(hospital(), rx.id, 'reject', rx.pharmacistToken).send(parameters({ secret: param(accepted.body, 'secret')!.valueString! }));
    expect(givenBack.status).to.equal(200);
    expect(givenBack.body.status).to.equal('ready');
  });

  it('when the prescription expired, then 403 names the end date; when cancelled, then 410', async () => {
    const expired = await readyPrescription(hospital());
    const end = new Date(Date.now() - 1000);
    await hospital().db.models.Prescription.update({ validUntil: end }, { where: { id: expired.id } });
    const res = await op(hospital(), expired.id, 'accept', expired.pharmacistToken).send(parameters({ accessCode: expired.accessCode }));
    expect(res.status).to.equal(403);
    expect(outcomeCode(res.body)).to.equal('prescription-expired');
    expect(res.body.issue[0].diagnostics).to.include(end.toISOString());

    const cancelled = await readyPrescription(hospital());
    const aborted = await op(hospital(), cancelled.id, 'abort', cancelled.doctor.token).send(parameters({}));
    expect(aborted.status).to.equal(200);
    expect(aborted.body.status).to.equal('cancelled');
    const gone = await op(hospital(), cancelled.id, 'accept', cancelled.pharmacistToken).send(parameters({ accessCode: cancelled.accessCode }));
    expect(gone.status).to.equal(410);
    expect(outcomeCode(gone.body)).to.equal('prescription-cancelled');
  });

  it('when a pharmacy holds it, then the prescriber cannot abort it (409)', async () => {
    const rx = await readyPrescription(hospital());
    await op(hospital(), rx.id, 'accept', rx.pharmacistToken).send(parameters({ accessCode: rx.accessCode }));
    const res = await op(hospital(), rx.id, 'abort', rx.doctor.token).send(parameters({}));
    expect(res.status).to.equal(409);
    expect(outcomeCode(res.body)).to.equal('prescription-held-by-pharmacy');
  });

  it('when accept and close are retried with the same Idempotency-Key, then the first answer is replayed', async () => {
    const rx = await readyPrescription(hospital());
    const first = await op(hospital(), rx.id, 'accept', rx.pharmacistToken).set('Idempotency-Key', 'accept-key-1').send(parameters({ accessCode: rx.accessCode }));
    const retry = await op(hospital(), rx.id, 'accept', rx.pharmacistToken).set('Idempotency-Key', 'accept-key-1').send(parameters({ accessCode: rx.accessCode }));
    expect(retry.status).to.equal(200);
    expect(retry.headers['idempotent-replayed']).to.equal('true');
    expect(param(retry.body, 'secret')!.valueString).to.equal(param(first.body, 'secret')!.valueString);
    const secret = param(first.body, 'secret')!.valueString!;
    const body = parameters({ secret }, [dispenseOf(rx.lines[0].id, 7)]);
    const closed = await op(hospital(), rx.id, 'close', rx.pharmacistToken).set('Idempotency-Key', 'close-key-1').send(body);
    const closedAgain = await op(hospital(), rx.id, 'close', rx.pharmacistToken).set('Idempotency-Key', 'close-key-1').send(body);
    expect([closed.status, closedAgain.status]).to.deep.equal([200, 200]);
    expect(closedAgain.body).to.deep.equal(closed.body);
    expect(await hospital().db.models.MedicationDispense.count({ where: { prescriptionId: rx.id } })).to.equal(1);
  });

  it('when 100 pharmacies accept at once, then exactly one gets 200 and the others 409', async () => {
    const rx = await readyPrescription(hospital());
    const server = http.createServer(hospital().app).listen(0);
    try {
      const results = await Promise.all(Array.from({ length: 100 }, () =>
        request(server).post(`/fhir/Task/${rx.id}/$accept`).auth(rx.pharmacistToken, { type: 'bearer' }).send(parameters({ accessCode: rx.accessCode }))));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).to.have.length(1);
      expect(statuses.filter((s) => s === 409)).to.have.length(99);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const accepts = await hospital().db.models.AuditEvent.count({ where: { resourceId: rx.id, activity: 'prescription-accepted' } });
    expect(accepts).to.equal(1);
  });
});
