import crypto from 'node:crypto';
import type { KeyRing } from '../auth/keys.js';

/** SHA-256 hex of a secret: only this is stored for access codes and pharmacy secrets. */
export const hashSecret = (secret: string) => crypto.createHash('sha256').update(secret, 'utf8').digest('hex');

/** Constant-time comparison of a presented secret with a stored hash. */
export function matchesHash(secret: string | undefined, hash: string | null): boolean {
  if (!secret || !hash) return false;
  return crypto.timingSafeEqual(Buffer.from(hashSecret(secret), 'hex'), Buffer.from(hash, 'hex'));
}

/**
 * The patient's access code: 256 bits derived (HMAC-SHA256) from the private key that signed the prescription
 * and its id. Only its hash is stored, yet the patient can be shown it again as long as the key stays in the ring.
 */
export function accessCodeFor(keys: KeyRing, kid: string, prescriptionId: string): string {
  const key = keys.byKid(kid);
  if (!key) throw new Error(`signing key ${kid} is no longer in the key ring`);
  const secret = key.privateKey.export({ format: 'der', type: 'pkcs8' });
  return crypto.createHmac('sha256', secret).update(`prescription-access-code:${prescriptionId}`).digest('base64url');
}

/** A new random pharmacy secret (256 bits), given once to the accepting pharmacy. */
export const newSecret = () => crypto.randomBytes(32).toString('base64url');
