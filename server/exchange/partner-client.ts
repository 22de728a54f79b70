import crypto from 'node:crypto';
import { Client } from 'fhir-kit-client';
import jwt from 'jsonwebtoken';
import type { Database } from '../../db/connection.js';
import type { Partner } from '../../db/models/consultations.js';
import { JWT_BEARER_ASSERTION } from '../auth/client-assertion-grant.js';
import type { KeyRing } from '../auth/keys.js';
import type { HospitalNode } from '../hospital-node.js';
import type { PartnerKeySets } from './partner-keys.js';

/** What this node needs to call a partner node as a SMART Backend Services client. */
export interface PartnerClientDeps {
  keys: KeyRing;
  /** This node's FHIR base URL: the `iss`/`sub` of its client assertions (partners register it under it). */
  ownFhirBaseUrl: string;
  /** How long one conversation with a partner (token + requests) may take. */
  timeoutMs: number;
  /** Where the node counts its conversations with partners and how they failed (read by /metrics). */
  tally?: PartnerCallTally;
}

/** Why a conversation with a partner failed: no answer in time, a refused token, or anything else (unreachable, garbage, 5xx). */
export type PartnerFailure = 'timeout' | 'token-refused' | 'error';

/** The node's conversations with partners since it started, and their failures by kind. */
export class PartnerCallTally {
  calls = 0;
  readonly failures: Record<PartnerFailure, number> = { timeout: 0, 'token-refused': 0, error: 0 };

  /** Counts a failed conversation; a partner's own refusal (a 4xx it answered, e.g. already dispensed) is an answer, not a failure. */
  failed(error: unknown): void {
    const status = (error as { response?: { status?: number } }).response?.status;
    if (error instanceof PartnerTimeout) this.failures.timeout++;
    else if (error instanceof PartnerRefused) this.failures['token-refused']++;
    else if (status === undefined || status < 400 || status >= 500) this.failures.error++;
  }
}

/** What a capability that talks to partners needs from the node: its database and its cache of their keys too. */
export interface PartnerCallDeps extends PartnerClientDeps {
  db: Database;
  partnerKeys: PartnerKeySets;
}

/** The node's database, signing keys, FHIR base URL and partner timeout (`PARTNER_TIMEOUT_MS`). */
export const partnerCallDepsOf = (node: HospitalNode): PartnerCallDeps => ({
  db: node.db, keys: node.keys, partnerKeys: node.partnerKeys, ownFhirBaseUrl: `${node.config.publicBaseUrl}/fhir`, timeoutMs: node.config.partnerTimeoutMs,
  tally: node.partnerCalls,
});

/** A partner's token URL: `/auth/token` at its FHIR base URL's origin (every node runs this software). */
const tokenUrlOf = (fhirBaseUrl: string) => new URL('/auth/token', fhirBaseUrl).toString();

async function systemToken(deps: PartnerClientDeps, partner: Partner, scope: string, signal: AbortSignal): Promise<string> {
  const assertion = jwt.sign({ sub: deps.ownFhirBaseUrl, jti: crypto.randomUUID() }, deps.keys.active.privateKey, {
    algorithm: 'ES256', keyid: deps.keys.active.kid, issuer: deps.ownFhirBaseUrl, audience: tokenUrlOf(partner.fhirBaseUrl), expiresIn: 120,
  });
  const res = await fetch(tokenUrlOf(partner.fhirBaseUrl), {
    method: 'POST', signal, headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion, scope }),
  });
  const body = await res.json().catch(() => ({})) as { access_token?: string; code?: string };
  if (!res.ok || !body.access_token) throw new PartnerRefused(`token refused (HTTP ${res.status}${body.code ? ` ${body.code}` : ''})`);
  return body.access_token;
}

/** Thrown when a partner gives no answer in time. */
export class PartnerTimeout extends Error {}
/** Thrown when a partner refuses this node a token: it does not (or no longer) recognise us as its partner. */
export class PartnerRefused extends Error {}

/**
 * Runs `work` against a partner's FHIR server with a fhir-kit-client authenticated by a fresh system token
 * for `scope`. The whole conversation is bounded by `deps.timeoutMs`: a slow partner never holds the caller,
 * and `signal` (pass it to the client's requests) aborts what is still in flight.
 */
export async function withPartner<T>(
  deps: PartnerClientDeps, partner: Partner, scope: string, work: (client: Client, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { controller.abort(); reject(new PartnerTimeout(`no answer within ${deps.timeoutMs} ms`)); }, deps.timeoutMs);
  });
  const conversation = (async () => {
    const token = await systemToken(deps, partner, scope, controller.signal);
    return work(new Client({ baseUrl: partner.fhirBaseUrl, bearerToken: token }), controller.signal);
  })();
  if (deps.tally) deps.tally.calls++;
  try {
    return await Promise.race([conversation, timeout]);
  } catch (error) {
    deps.tally?.failed(error);
    throw error;
  } finally {
    clearTimeout(timer);
    conversation.catch(() => undefined);
  }
}
