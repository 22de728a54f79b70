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

/** Short-lived ES256 access tokens signed with the hospital's active key; verified against every published key. */
export function tokenIssuer(config: Pick<Config, 'publicBaseUrl' | 'accessTokenTtlSeconds'>, keys: KeyRing): TokenIssuer {
  const issuer = config.publicBaseUrl;
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
        return {
          sub: payload.sub, role: payload.role, patient: payload.patient ?? null,
          practitioner: payload.practitioner ?? null, org: payload.org ?? null, scope: payload.scope ?? '',
        };
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
