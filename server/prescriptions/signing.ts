import crypto, { type JsonWebKey, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { KeyRing } from '../auth/keys.js';

/**
 * Detached JWS (RFC 7515 appendix F) with ES256 over RFC 8785 canonical JSON. The compact form is
 * `<base64url protected header>..<base64url signature>`; the payload travels (and is stored) separately as the
 * exact canonical bytes, so anyone holding the issuer's JWKS can verify it (docs/prescriptions.md "Signing").
 */
export interface SignedDocument {
  /** The exact bytes that were signed (UTF-8 canonical JSON). */
  content: string;
  /** Detached compact JWS. */
  jws: string;
  kid: string;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('cannot canonicalize this value');
  return text;
}

/** Signs `value` with the ring's active key. `typ` names what is signed (e.g. `prescription+json`). */
export function signDetached(keys: KeyRing, value: unknown, typ: string): SignedDocument {
  const content = canonicalJson(value);
  const header = b64url(JSON.stringify({ alg: 'ES256', kid: keys.active.kid, typ }));
  const signingInput = `${header}.${b64url(content)}`;
  const signature = crypto.sign('sha256', Buffer.from(signingInput), { key: keys.active.privateKey, dsaEncoding: 'ieee-p1363' });
  return { content, jws: `${header}..${b64url(signature)}`, kid: keys.active.kid };
}

export type Verification =
  | { valid: true; kid: string; typ?: string }
  | { valid: false; reason: 'malformed-signature' | 'unknown-key' | 'unsupported-algorithm' | 'bad-signature'; message: string };

export interface Jwks { keys: (JsonWebKey & { kid?: string })[] }

/** Imported public keys by their JWK text: importing costs about twice the verify itself (bench/prescriptions). */
const importedKeys = new Map<string, KeyObject>();
export function publicKeyOf(jwk: JsonWebKey): KeyObject {
  const id = JSON.stringify([jwk.kty, jwk.crv, jwk.x, jwk.y, jwk.n, jwk.e]);
  let key = importedKeys.get(id);
  if (!key) {
    key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
    if (importedKeys.size >= 1000) importedKeys.clear();
    importedKeys.set(id, key);
  }
  return key;
}

/** The key id a compact JWS names in its protected header, if it can be read: which of the issuer's keys to fetch. */
export function kidOf(jws: string): string | undefined {
  try {
    const kid = (JSON.parse(Buffer.from(jws.split('.')[0], 'base64url').toString('utf8')) as { kid?: unknown }).kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a detached JWS over the exact `content` bytes against a JWKS (ours or a partner's). Usable by a
 * remote node: it needs nothing but the two strings and the issuer's published keys.
 */
export function verifyDetached(jws: string, content: string, jwks: Jwks): Verification {
  const parts = jws.split('.');
  if (parts.length !== 3 || parts[1] !== '') {
    return { valid: false, reason: 'malformed-signature', message: 'The signature is not a detached compact JWS.' };
  }
  let header: { alg?: string; kid?: string; typ?: string };
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    return { valid: false, reason: 'malformed-signature', message: 'The JWS header is not base64url JSON.' };
  }
  if (header.alg !== 'ES256') return { valid: false, reason: 'unsupported-algorithm', message: `Algorithm ${header.alg} is not accepted; use ES256.` };
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) return { valid: false, reason: 'unknown-key', message: `The issuer publishes no key with id ${header.kid}.` };
  let ok: boolean;
  try {
    ok = crypto.verify('sha256', Buffer.from(`${parts[0]}.${b64url(content)}`), { key: publicKeyOf(jwk), dsaEncoding: 'ieee-p1363' },
      Buffer.from(parts[2], 'base64url'));
  } catch {
    ok = false;
  }
  return ok
    ? { valid: true, kid: header.kid!, typ: header.typ }
    : { valid: false, reason: 'bad-signature', message: 'The signature does not match the content: it was altered or signed by someone else.' };
}
