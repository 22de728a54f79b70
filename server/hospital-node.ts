import type { Database } from '../db/connection.js';
import type { KeyRing } from './auth/keys.js';
import type { TokenIssuer } from './auth/tokens.js';
import type { Config } from './config.js';
import type { PartnerCallTally } from './exchange/partner-client.js';
import type { PartnerKeySets } from './exchange/partner-keys.js';
import type { LoginThrottle } from './http/login-throttle.js';
import type { RateLimits } from './http/rate-limits.js';
import type { Logger } from './logger.js';
import type { NodeMetrics } from './operations/metrics.js';
import type { Signalling } from './video/signalling.js';

/** Everything one hospital node's routes need: built once in buildApp, handed to each capability's router. */
export interface HospitalNode {
  config: Config;
  db: Database;
  keys: KeyRing;
  tokens: TokenIssuer;
  throttle: LoginThrottle;
  /** Partners' published keys, cached (KEY_SET_TTL_MS). */
  partnerKeys: PartnerKeySets;
  /** Request limits of /api, /fhir, token grants and registration. */
  rateLimits: RateLimits;
  log: Logger;
  /** Conversations with partner nodes and their failures, counted for /metrics. */
  partnerCalls: PartnerCallTally;
  /** This node's Prometheus metrics (/metrics). */
  metrics: NodeMetrics;
  /** Video signalling, once `attachSignalling` has put it on the node's HTTP server (its rooms and sockets are metrics). */
  signalling?: Signalling;
}
