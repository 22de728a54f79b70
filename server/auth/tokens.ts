import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Role } from '../../db/models/access.js';
import type { Config } from '../config.js';
import { Unauthorized } from '../http/errors.js';
import type { KeyRing } from './keys.js';

export interface AccessClaims {
  sub: string;
  role: Role;
  patient: string | null;
  practitioner: string | null;
  org: string | null;
  scope: string;
}

export interface TokenIssuer {
  accessTtlSeconds: number;
  issueAccessToken(claims: AccessClaims): string;
  verifyAccessToken(token: string): AccessClaims;
}

/** Access tokens whose signature this node has checked, kept until they expire: at most this many. */
const VERIFIED_TOKENS = 10_000;

interface VerifiedToken { claims: AccessClaims; kid: string; expiresAtMs: number }

/**
 * Short-lived ES256 access tokens signed with the hospital's active key; verified against every published key.
 *
 * A client sends the same token with every request for its lifetime (minutes), and checking an ES256 signature
 * is the dearest step of an authenticated read (about 7 % of its CPU, docs/performance.md). So a token is
 * verified once; after that, the very same string is recognised until its `exp`, and only while the key that
 * signed it is still in the ring (a key taken out of the ring invalidates its tokens at once, as before).
 */
export function tokenIssuer(config: Pick<Config, 'publicBaseUrl' | 'accessTokenTtlSeconds'>, keys: KeyRing): TokenIssuer {
  const issuer = config.publicBaseUrl;
  const verified = new Map<string, VerifiedToken>();
  function remember(token: string, entry: VerifiedToken): void {
    if (verified.size >= VERIFIED_TOKENS) verified.delete(verified.keys().next().value!); // the oldest first
    verified.set(token, entry);
  }
  return {
    accessTtlSeconds: config.accessTokenTtlSeconds,
    issueAccessToken(claims) {
      return jwt.sign({ ...claims }, keys.active.privateKey, {
        algorithm: 'ES256',
        keyid: keys.active.kid,
        expiresIn: config.accessTokenTtlSeconds,
        issuer,
        audience: issuer,
        jwtid: crypto.randomUUID(),
      });
    },
    verifyAccessToken(token) {
      const known = verified.get(token);
      if (known && Date.now() < known.expiresAtMs && keys.byKid(known.kid)) return known.claims;
      if (known) verified.delete(token);
      const header = jwt.decode(token, { complete: true })?.header;
      const key = header?.kid ? keys.byKid(header.kid) : undefined;
      if (!key) throw new Unauthorized('invalid-token', 'The access token is malformed or was not issued by this hospital.');
      try {
        const payload = jwt.verify(token, key.publicKey, {
          algorithms: ['ES256'], issuer, audience: issuer,
        }) as jwt.JwtPayload & AccessClaims;
        // jsonwebtoken accepts a token without exp; one of ours always has exp, iat and sub (RFC 7519 §4.1).
        if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number' || typeof payload.sub !== 'string' || !payload.sub) {
          throw new Unauthorized('invalid-token', 'The access token is invalid.');
        }
        const claims: AccessClaims = Object.freeze({
          sub: payload.sub, role: payload.role, patient: payload.patient ?? null,
          practitioner: payload.practitioner ?? null, org: payload.org ?? null, scope: payload.scope ?? '',
        });
        remember(token, { claims, kid: header!.kid!, expiresAtMs: payload.exp * 1000 });
        return claims;
      } catch (error) {
        if (error instanceof Unauthorized) throw error;
        if (error instanceof jwt.TokenExpiredError) {
          throw new Unauthorized('token-expired', 'The access token has expired; refresh it or sign in again.');
        }
        throw new Unauthorized('invalid-token', 'The access token is invalid.');
      }
    },
  };
}

/** Refresh tokens are opaque random strings; only their SHA-256 is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = crypto.randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}
