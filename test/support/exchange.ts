import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { JWT_BEARER_ASSERTION } from '../../server/auth/client-assertion-grant.js';
import type { SigningKey } from '../../server/auth/keys.js';

/** A stand-in partner node that only publishes a JWKS; close it after the suite. */
export async function jwksServer(keys: SigningKey[]): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`, server };
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
