import type { Jwks } from '../prescriptions/signing.js';

/**
 * A partner node's published keys, fetched from the JWKS URL of its registration (never from a URL a request
 * names). Throws with a readable reason when the partner cannot be reached or publishes no key set.
 */
async function fetchPartnerJwks(jwksUrl: string, timeoutMs: number): Promise<Jwks> {
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

/** How long a partner's fetched key set is used before it is fetched again. */
export const KEY_SET_TTL_MS = 5 * 60_000;

/**
 * The key sets of this node's partners as last fetched, one cache per node (`HospitalNode.partnerKeys`), so a
 * partner's JWKS is not fetched for every token it asks for or every prescription it signed. A key id the cached
 * set lacks is fetched again at once (the partner rotated its key); a key the partner withdrew is trusted until
 * its set is older than `ttlMs`.
 */
export class PartnerKeySets {
  private readonly fetched = new Map<string, { jwks: Jwks; at: number }>();

  constructor(private readonly timeoutMs: number, private readonly ttlMs = KEY_SET_TTL_MS) {}

  /** The partner's key set, fetched again unless a fresh one that holds `kid` is at hand. */
  async holding(jwksUrl: string, kid: string | undefined): Promise<Jwks> {
    const known = this.fetched.get(jwksUrl);
    if (known && Date.now() - known.at < this.ttlMs && known.jwks.keys.some((k) => k.kid === kid)) return known.jwks;
    const jwks = await fetchPartnerJwks(jwksUrl, this.timeoutMs);
    this.fetched.set(jwksUrl, { jwks, at: Date.now() });
    return jwks;
  }
}
