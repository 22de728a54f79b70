import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { expect } from 'chai';
import type { Express } from 'express';
import request from 'supertest';
import { buildApp } from '../../server/app.js';
import { closeServer, registerPartner } from '../support/exchange.js';
import { newPatient } from '../support/factories.js';
import { sampleOf } from '../support/metrics-text.js';
import { PHARMACIST } from '../support/prescriptions.js';
import { describeOnEachDatabase } from '../support/test-node.js';

const PARTNER_TIMEOUT_MS = 400;
/**
 * A liveness bound of the requirement, not a performance threshold: the answer comes once PARTNER_TIMEOUT_MS has
 * run out, plus our own work (database, audit) on a busy shared machine; a partner that held us would take forever.
 */
const ANSWER_WITHIN_MS = PARTNER_TIMEOUT_MS + 4_000;

type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A stand-in partner on 127.0.0.1 that behaves badly; `close` also drops the connections it never answered. */
async function badPartner(behaviour: Behaviour) {
  const sockets = new Set<Socket>();
  const seen: string[] = [];
  const server = http.createServer((req, res) => { seen.push(`${req.method} ${req.url}`); req.resume(); behaviour(req, res); });
  server.on('connection', (socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() { for (const socket of sockets) socket.destroy(); await closeServer(server); },
  };
}

const hangs: Behaviour = () => undefined;
const garbage: Behaviour = (_req, res) => { res.setHeader('Content-Type', 'application/fhir+json'); res.end('{"resourceType": "Bundle", "entry": [{'); };
const tokenThenHangs: Behaviour = (req, res) => {
  if (req.url !== '/auth/token') return;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ access_token: 'token', token_type: 'Bearer', expires_in: 60 }));
};
const tokenThenGarbage: Behaviour = (req, res) => (req.url === '/auth/token' ? tokenThenHangs(req, res) : garbage(req, res));

describeOnEachDatabase(`a partner that hangs or answers garbage never holds a request past PARTNER_TIMEOUT_MS (${PARTNER_TIMEOUT_MS} ms here)`, (hospital) => {
  let app: Express;
  before(() => {
    // This node's own app and metrics on the shared database, with a short partner timeout.
    ({ app } = buildApp({ config: { ...hospital().config, partnerTimeoutMs: PARTNER_TIMEOUT_MS }, db: hospital().db, keys: hospital().node.keys }));
  });

  const failures = async (reason: string) => {
    const res = await request(app).get('/metrics').auth(await hospital().tokenFor('admin@demo.test'), { type: 'bearer' }).expect(200);
    return sampleOf(res.text, 'hospital_partner_call_failures_total', { reason }) ?? NaN;
  };

  /** The patient pulls their records from the bad partner (consented, with their id there): the time it took and the answer. */
  async function pullFrom(partner: { url: string }, name: string) {
    const patient = await newPatient(hospital(), 'Puller');
    const partnerId = await registerPartner(hospital(), partner, name);
    await request(app).post(`/api/patients/${patient.patientId}/consents`).auth(patient.token, { type: 'bearer' })
      .send({ partnerId, partnerPatientId: 'p-1' }).expect(201);
    const started = Date.now();
    const res = await request(app).post(`/api/patients/${patient.patientId}/partner-records/pull`).auth(patient.token, { type: 'bearer' });
    return { res, ms: Date.now() - started, partnerId };
  }

  for (const [what, behaviour, reason, failure] of [
    ['accepts the connection and never answers', hangs, /no answer within 400 ms/, 'timeout'],
    ['grants a token, then never answers the searches', tokenThenHangs, /no answer within 400 ms/, 'timeout'],
    ['answers the token request with invalid JSON', garbage, /token refused/, 'token-refused'],
    ['grants a token, then answers the searches with invalid JSON', tokenThenGarbage, /./, 'error'],
  ] as const) {
    it(`when a partner ${what}, then the pull answers in time, names it unavailable with why, and counts the failure (${failure})`, async () => {
      const partner = await badPartner(behaviour);
      try {
        const before = await failures(failure);
        const { res, ms, partnerId } = await pullFrom(partner, `Hospital ${failure}`);
        expect(res.status, res.text).to.equal(200);
        expect(ms).to.be.below(ANSWER_WITHIN_MS);
        expect(res.body.unavailable.map((u: { partnerId: string }) => u.partnerId)).to.deep.equal([partnerId]);
        expect(res.body.unavailable[0].reason).to.match(reason);
        expect(partner.seen, 'the partner was asked').to.not.deep.equal([]);
        expect(await failures(failure)).to.equal(before + 1);
      } finally {
        await partner.close();
      }
    });
  }

  it('when a pharmacist enters the code of a prescription whose issuer hangs, then 503 issuer-unavailable comes in time and nothing is dispensed', async () => {
    const issuer = await badPartner(hangs);
    try {
      await registerPartner(hospital(), issuer, 'Hospital Hanging Issuer');
      const id = crypto.randomUUID();
      const started = Date.now();
      const res = await request(app).post('/api/dispensations').auth(await hospital().tokenFor(PHARMACIST), { type: 'bearer' })
        .send({ code: `${issuer.url}/fhir/Task/${id}#access-code=${'a'.repeat(43)}` });
      expect(Date.now() - started).to.be.below(ANSWER_WITHIN_MS);
      expect(res.status, res.text).to.equal(503);
      expect(res.body.code).to.equal('issuer-unavailable');
      expect(res.body.title).to.contain(`no answer within ${PARTNER_TIMEOUT_MS} ms`);
      expect(await hospital().db.models.Dispensation.count({ where: { prescriptionId: id } })).to.equal(0);
    } finally {
      await issuer.close();
    }
  });
});
