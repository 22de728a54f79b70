import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Op, UniqueConstraintError } from 'sequelize';
import type { Database } from '../../db/connection.js';
import { recordAudit } from '../audit/audit-log.js';
import type { PartnerKeySets } from '../exchange/partner-keys.js';
import { activePartnerAt, trimSlash } from '../exchange/partners.js';
import { Invalid, Unauthorized } from '../http/errors.js';
import { atMostEvery } from '../operations/background-loop.js';
import { publicKeyOf, type Jwks } from '../prescriptions/signing.js';
import type { Origin } from './caller.js';
import type { TokenIssuer } from './tokens.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** What a partner node's system client is granted: read access to consenting patients' records. */
export const SYSTEM_SCOPES = ['system/*.read'];
/** Asked for explicitly: a partner pharmacy looks up, accepts, gives back and closes our prescriptions (Task operations). */
export const DISPENSING_SCOPE = 'system/Task.write';
/** A payer's claims system also posts its answers to claims (billing/claim-responses.ts). */
export const CLAIM_RESPONSE_SCOPE = 'system/ClaimResponse.write';
const MAX_ASSERTION_LIFETIME_SECONDS = 300;

export interface ClientAssertionDeps {
  db: Database;
  tokens: TokenIssuer;
  /** This node's token URL: the `aud` every assertion must carry. */
  tokenUrl: string;
  /** Registered partners' published keys (cached per node). */
  partnerKeys: PartnerKeySets;
  /** Deletes expired assertion ids (they are refused by their `exp` anyway), at most every 10 minutes per process. */
  purgeUsedJtis: () => Promise<void>;
}

const JTI_PURGE_EVERY_MS = 10 * 60_000;

export function clientAssertionDeps(db: Database, tokens: TokenIssuer, publicBaseUrl: string, partnerKeys: PartnerKeySets): ClientAssertionDeps {
  const purgeUsedJtis = atMostEvery(JTI_PURGE_EVERY_MS, (now) => db.models.UsedClientAssertion.destroy({ where: { expiresAt: { [Op.lt]: new Date(now) } } }));
  return { db, tokens, tokenUrl: `${publicBaseUrl}/auth/token`, partnerKeys, purgeUsedJtis };
}

const refused = (message: string) => new Unauthorized('invalid-client', message);

async function partnerKey(deps: ClientAssertionDeps, jwksUrl: string, kid: string | undefined): Promise<crypto.KeyObject> {
  let jwks: Jwks;
  try {
    jwks = await deps.partnerKeys.holding(jwksUrl, kid);
  } catch (error) {
    throw new Unauthorized('partner-jwks-unavailable', `The partner's key set is unavailable: ${(error as Error).message}.`);
  }
  const jwk = jwks.keys.find((k) => k.kid === kid && k.kty === 'EC');
  if (!jwk) throw refused(`The partner's JWKS has no EC key with kid ${String(kid)}.`);
  return publicKeyOf(jwk);
}

/**
 * Each assertion id is used once per partner: a row in `used_client_assertions`, shared by every instance of
 * this node, kept until the assertion expires. The primary key decides a race between two replays.
 */
async function spendJti(deps: ClientAssertionDeps, partnerId: string, jti: string, expiresAt: Date): Promise<void> {
  const { UsedClientAssertion } = deps.db.models;
  await deps.purgeUsedJtis();
  try {
    await UsedClientAssertion.create({ partnerId, jti, expiresAt });
  } catch (error) {
    if (error instanceof UniqueConstraintError) throw refused('client_assertion jti was already used.');
    throw error;
  }
}

/**
 * SMART Backend Services (RFC 7523 private_key_jwt): a registered partner node proves itself with an ES256
 * assertion (iss = sub = its FHIR base URL or partner id, aud = our token URL, exp ≤ 5 min ahead, single-use
 * jti), checked against the JWKS URL in its registration. The answer is a short-lived `system` access token.
 */
export async function clientAssertionGrant(
  deps: ClientAssertionDeps, input: { assertion: string; scope?: string }, origin: Origin,
): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope: string }> {
  const decoded = jwt.decode(input.assertion, { complete: true });
  const payload = decoded?.payload;
  if (!decoded || typeof payload !== 'object' || payload === null || typeof payload.iss !== 'string') {
    throw refused('client_assertion is not a JWT with an iss claim.');
  }
  const iss = trimSlash(payload.iss);
  const partner = await activePartnerAt(deps.db, iss) ?? await deps.db.models.Partner.findOne({ where: { id: iss, active: true } });
  if (!partner) throw refused(`No active partner hospital is registered as ${iss}.`);
  const key = await partnerKey(deps, partner.jwksUrl, decoded.header.kid);
  let claims: jwt.JwtPayload;
  try {
    claims = jwt.verify(input.assertion, key, { algorithms: ['ES256'], audience: deps.tokenUrl }) as jwt.JwtPayload;
  } catch (error) {
    throw refused(`client_assertion rejected: ${(error as Error).message}.`);
  }
  const now = Math.floor(Date.now() / 1000);
  if (claims.sub !== payload.iss) throw refused('client_assertion sub must equal iss.');
  if (typeof claims.exp !== 'number' || claims.exp - now > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw refused('client_assertion exp must be at most 5 minutes ahead.');
  }
  if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > 128) {
    throw refused('client_assertion needs a jti of 1 to 128 characters.');
  }
  await spendJti(deps, partner.id, claims.jti, new Date(claims.exp * 1000));

  // A payer's claims system acts as that payer: the insurer role, its members' billing (auth/care-relationship.ts).
  const payer = partner.payorId ?? null;
  const writeScope = payer ? CLAIM_RESPONSE_SCOPE : DISPENSING_SCOPE;
  const requested = input.scope?.trim() ? input.scope.trim().split(/\s+/) : payer ? [...SYSTEM_SCOPES, CLAIM_RESPONSE_SCOPE] : SYSTEM_SCOPES;
  const scopes = requested.filter((s) => /^system\/(\*|[A-Z][A-Za-z]+)\.read$/.test(s) || s === writeScope);
  if (scopes.length === 0) throw new Invalid('invalid-scope', `A partner system client may only ask for system/<Type>.read scopes and ${writeScope}.`);
  const role = payer ? 'insurer' : 'system';
  const org = payer ?? partner.id;
  const access = deps.tokens.issueAccessToken({
    sub: `partner:${partner.id}`, role, patient: null, practitioner: null, org, scope: scopes.join(' '),
  });
  await recordAudit(deps.db, {
    ...origin, userId: `partner:${partner.id}`, role, patientId: null, practitionerId: null, organizationId: org, scopes,
  }, { action: 'E', activity: 'system-token-issued', resourceType: 'Organization', resourceId: partner.id });
  return { access_token: access, token_type: 'Bearer', expires_in: deps.tokens.accessTtlSeconds, scope: scopes.join(' ') };
}
