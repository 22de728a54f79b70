import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { JWT_BEARER_ASSERTION } from '../../server/auth/client-assertion-grant.js';
import type { SigningKey } from '../../server/auth/keys.js';
import { eligiblePatient } from './appointments.js';
import { adminToken } from './consultations.js';
import { newPatient } from './factories.js';
import { mysqlUnavailableReason, type TestDialect } from './databases.js';
import { startTestNode, type TestNode } from './test-node.js';

/**
 * A stand-in partner node that only publishes a JWKS: `keys` may be changed (a rotation) and `fetches` counts
 * the requests it got. Close it after the suite.
 */
export async function jwksServer(initial: SigningKey[]): Promise<{ url: string; server: http.Server; keys: SigningKey[]; fetches: () => number }> {
  const keys = [...initial];
  let fetches = 0;
  const server = http.createServer((_req, res) => {
    fetches++;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`, server, keys, fetches: () => fetches };
}

/** A SMART Backend Services client assertion, as a partner node signs it. */
export function clientAssertion(key: SigningKey, opts: { iss: string; aud: string; sub?: string; expiresIn?: number; jti?: string }): string {
  return jwt.sign({ sub: opts.sub ?? opts.iss, jti: opts.jti ?? crypto.randomUUID() }, key.privateKey, {
    algorithm: 'ES256', keyid: key.kid, issuer: opts.iss, audience: opts.aud, expiresIn: opts.expiresIn ?? 120,
  });
}

export const clientCredentials = (assertion: string, scope?: string) => ({
  grant_type: 'client_credentials', client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion,
  ...(scope ? { scope } : {}),
});

/** A node listening on 127.0.0.1 port 0 whose publicBaseUrl is its real URL (the server starts first). */
export async function startListeningNode(
  start: (overrides: { publicBaseUrl: string }) => Promise<TestNode>,
): Promise<{ hospital: TestNode; url: string; server: http.Server }> {
  const target: { handler?: http.RequestListener } = {};
  const server = http.createServer((req, res) => { target.handler!(req, res); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const hospital = await start({ publicBaseUrl: url });
  target.handler = hospital.app as unknown as http.RequestListener;
  return { hospital, url, server };
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
}

/** Registers `other` as a partner at `at` (its FHIR base and JWKS), as an admin of `at` does. */
export async function registerPartner(at: TestNode, other: { url: string }, name: string): Promise<string> {
  const res = await request(at.app).post('/api/partners').auth(await adminToken(at), { type: 'bearer' })
    .send({ name, fhirBaseUrl: `${other.url}/fhir`, jwksUrl: `${other.url}/.well-known/jwks.json` }).expect(201);
  return res.body.id as string;
}

/**
 * A stand-in partner node that answers the token endpoint, its JWKS, `$lookup` with whatever the test puts in
 * `lookup` (a forged or tampered prescription) and FHIR searches with what `search` returns for the request URL,
 * and records every request it gets.
 */
export async function fakeIssuer(keys: SigningKey[]) {
  const seen: string[] = [];
  const state: { lookup?: unknown; search?: (url: string) => unknown } = {};
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/.well-known/jwks.json') return res.end(JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
    if (req.url === '/auth/token') return res.end(JSON.stringify({ access_token: 'fake', token_type: 'Bearer', expires_in: 60 }));
    if (req.url?.endsWith('/$lookup') && state.lookup) return res.end(JSON.stringify(state.lookup));
    if (req.method === 'GET' && req.url?.startsWith('/fhir/') && state.search) return res.end(JSON.stringify(state.search(req.url)));
    res.statusCode = 500;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server, seen, state };
}

export type ListeningNode = Awaited<ReturnType<typeof startListeningNode>>;
export interface PartnerPair { a: ListeningNode; b: ListeningNode; partnerBatA: string; partnerAatB: string }

/**
 * Two nodes on one database dialect, listening on 127.0.0.1, each registered at the other as a partner
 * ("Hospital A", "Hospital B"). Call from a `before(function () {…})` with its `this`: without MariaDB the suite
 * is skipped locally and fails in CI.
 */
export async function startPartnerPair(suite: Mocha.Context, dialect: TestDialect): Promise<PartnerPair> {
  const reason = dialect === 'mysql' ? await mysqlUnavailableReason() : null;
  if (reason && process.env.CI) throw new Error(reason);
  if (reason) suite.skip();
  const a = await startListeningNode((o) => startTestNode(dialect, o));
  const b = await startListeningNode((o) => startTestNode(dialect, o));
  return { a, b, partnerBatA: await registerPartner(a.hospital, b, 'Hospital B'), partnerAatB: await registerPartner(b.hospital, a, 'Hospital A') };
}

/** A partner pair for the enclosing `describe`: started before its tests, closed after them; read it inside a test. */
export function partnerPairOfSuite(dialect: TestDialect): () => PartnerPair {
  let pair: PartnerPair | undefined;
  before(async function () {
    pair = await startPartnerPair(this, dialect);
  });
  after(() => closePartnerPair(pair ?? {}));
  return () => pair!;
}

export async function closePartnerPair(pair: Partial<Pick<PartnerPair, 'a' | 'b'>>): Promise<void> {
  if (pair.a) await closeServer(pair.a.server);
  if (pair.b) await closeServer(pair.b.server);
}

/**
 * The same person at both nodes of a pair, with an in-person hypertension diagnosis at B, consenting at each:
 * A may pull from B (the consent names their id at B), B may release to A.
 */
export async function sharedPatient(pair: PartnerPair) {
  const { a, b } = pair;
  const atB = await eligiblePatient(b.hospital);
  const atA = await newPatient(a.hospital, 'Shared');
  await request(b.hospital.app).post(`/api/patients/${atB.patientId}/consents`).auth(atB.token, { type: 'bearer' })
    .send({ partnerId: pair.partnerAatB }).expect(201);
  await request(a.hospital.app).post(`/api/patients/${atA.patientId}/consents`).auth(atA.token, { type: 'bearer' })
    .send({ partnerId: pair.partnerBatA, partnerPatientId: atB.patientId }).expect(201);
  return { atA, atB };
}
