import type { Jwks } from '../prescriptions/signing.js';

/**
 * A partner node's published keys, fetched from the JWKS URL of its registration (never from a URL a request
 * names). Throws with a readable reason when the partner cannot be reached or publishes no key set.
 */
export async function fetchPartnerJwks(jwksUrl: string, timeoutMs: number): Promise<Jwks> {
  let body: unknown;
  try {
    const res = await fetch(jwksUrl, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (error) {
    throw new Error(`the JWKS at ${jwksUrl} could not be fetched (${(error as Error).message})`, { cause: error });
  }
  const keys = (body as Partial<Jwks> | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`${jwksUrl} does not answer a JWKS (no "keys" array)`);
  return { keys };
}
