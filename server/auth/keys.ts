import crypto, { type JsonWebKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** One of the hospital's signing keys. The newest signs; older ones stay published so old signatures verify. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JsonWebKey & { kid: string; alg: 'ES256'; use: 'sig' };
}

export interface KeyRing {
  active: SigningKey;
  all: SigningKey[];
  byKid(kid: string): SigningKey | undefined;
  jwks(): { keys: SigningKey['publicJwk'][] };
}

function toSigningKey(kid: string, privateKey: KeyObject): SigningKey {
  const publicKey = crypto.createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg: 'ES256', use: 'sig' } };
}

export function keyRing(keys: SigningKey[]): KeyRing {
  if (keys.length === 0) throw new Error('a key ring needs at least one signing key');
  const sorted = [...keys].sort((a, b) => a.kid.localeCompare(b.kid));
  const active = sorted[sorted.length - 1];
  return {
    active,
    all: sorted,
    byKid: (kid) => sorted.find((k) => k.kid === kid),
    jwks: () => ({ keys: sorted.map((k) => k.publicJwk) }),
  };
}

/** A new ES256 (P-256) key whose id sorts by creation time, so the newest key is the active one. */
export function generateSigningKey(now = new Date()): SigningKey {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${crypto.randomBytes(4).toString('hex')}`;
  return toSigningKey(kid, privateKey);
}

/**
 * Loads every `<kid>.pem` in `dir`. When the directory holds none and `createIfMissing` (outside production),
 * a first key is generated and written there with owner-only permissions.
 */
export function loadKeyRing(dir: string, createIfMissing: boolean): KeyRing {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.pem')) : [];
  if (files.length === 0) {
    if (!createIfMissing) throw new Error(`no signing keys (*.pem) in ${dir}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const key = generateSigningKey();
    fs.writeFileSync(path.join(dir, `${key.kid}.pem`), key.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
    return keyRing([key]);
  }
  return keyRing(files.map((file) =>
    toSigningKey(path.basename(file, '.pem'), crypto.createPrivateKey(fs.readFileSync(path.join(dir, file))))));
}
