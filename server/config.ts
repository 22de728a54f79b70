import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CHRONIC_CONDITIONS, type ChronicCondition } from './consultations/chronic-conditions.js';

/**
 * The node's configuration: read once from the environment, validated at start.
 * Every key is documented in README.md ("Configuration"); keep the two in step.
 */
export interface Config {
  env: 'production' | 'development' | 'test';
  host: string;
  port: number;
  /** The URL other nodes and browsers use to reach this node; also the JWT issuer. */
  publicBaseUrl: string;
  databaseUrl: string;
  dataDir: string;
  keysDir: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  seedDemo: boolean;
  demoPassword: string;
  logLevel: string;
  bodyLimit: string;
  login: { maxFailures: number; windowSeconds: number };
  /** On SIGTERM, the whole drain (requests, workers, database) finishes within this. */
  shutdownGraceMs: number;
  /** How long one transaction may hold the writer (SQLite) or its row locks (MySQL) before it is rolled back. */
  transactionTimeoutMs: number;
  /** The built browser app (npm run build puts it in dist/client). */
  clientDir: string;
  appointments: {
    /** A patient may cancel or reschedule until this many minutes before the start. */
    cancellationCutoffMinutes: number;
    /** The reminder is sent this many minutes before the start. */
    reminderLeadMinutes: number;
    /** How often the outbox worker delivers due notifications (and rolls the slot horizon). */
    outboxIntervalMs: number;
  };
  /** Online follow-up eligibility: which conditions count and how old a diagnosis may be. */
  followUp: { chronicConditions: ChronicCondition[]; lookBackDays: number };
  /** Largest uploaded file (diagnosis document, visit attachment), in bytes. */
  attachmentMaxBytes: number;
  /** Home monitoring: minutes before an unacknowledged crisis alert escalates; how often the sweep runs (0 = off). */
  monitoring: { crisisEscalationMinutes: number; escalationSweepSeconds: number };
  /** How long one conversation with a partner node (token + searches) may take before it counts as unavailable. */
  partnerTimeoutMs: number;
  video: VideoConfig;
  /** Express `trust proxy`: the reverse proxies whose X-Forwarded-For is believed; empty = none (the socket's address). */
  trustProxy: string[];
  rateLimits: RateLimitConfig;
  /** What one incoming FHIR body may cost before it is refused: docs/fhir.md "Limits". */
  fhirLimits: FhirLimits;
  /** Addresses or subnets (a Prometheus server) that may read /metrics without a token; admins may with theirs. */
  metricsAllow: string[];
  /** Billing's charges (server/billing/, docs/billing.md). */
  billing: BillingConfig;
  /** Where notifications go: e-mail through `SMTP_URL` when set, else the server log. */
  mail: MailConfig;
}

export interface MailConfig {
  /** `smtp://user:pass@host:587` or `smtps://…`; null writes notifications to the log instead. */
  smtpUrl: string | null;
  /** The sender of every e-mail, e.g. `Hospital <noreply@hospital.example>`. */
  from: string;
}

function mailConfig(env: Env): MailConfig {
  const smtpUrl = env.SMTP_URL || null;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) throw new ConfigError('SMTP_URL must start with smtp:// or smtps://');
  return { smtpUrl, from: env.SMTP_FROM || 'Internet Hospital <noreply@localhost>' };
}

/** Requests allowed per key and window (server/http/rate-limits.ts); 0 turns a limit off. */
export interface RateLimitConfig {
  /** /api and /fhir, per account (the token's subject), or per address without a valid token. */
  apiPerMinute: number;
  /** POST /auth/token, per account and address (password grant) or per address (other grants). */
  tokenPerMinute: number;
  /** POST /api/patients, per address. */
  registrationPerHour: number;
  /** With it the counts are shared by every process of the node through Redis; without it, kept in this process. */
  redisUrl: string | null;
  /** Prefix of the counters' Redis keys (tests use one per run, so runs never share counts). */
  redisPrefix: string;
}

/** Bounds on the work an incoming FHIR resource or Bundle causes (413 or 422 beyond, naming the limit). */
export interface FhirLimits {
  /** JSON values (objects, arrays, primitives) in one resource: the validator's work grows with this. */
  maxElements: number;
  /** Nesting of objects and arrays in one resource (an extension inside an extension is two levels more). */
  maxDepth: number;
  /** Entries in one batch or transaction Bundle. */
  bundleMaxEntries: number;
}

/** Video visits: ICE servers handed to browsers, room-token lifetime, signalling limits, shared rooms. */
export interface VideoConfig {
  stunUrls: string[];
  turnUrls: string[];
  /** coturn `static-auth-secret`; TURN credentials are derived from it per participant (REST scheme). */
  turnSecret: string | null;
  turnTtlSeconds: number;
  roomTokenTtlSeconds: number;
  maxMessageBytes: number;
  maxMessagesPerSecond: number;
  /** With it, rooms are shared by every instance through Redis pub/sub; without it they live in memory. */
  redisUrl: string | null;
}

export interface BillingConfig {
  /** Whose service codes this node bills under: `US` (CPT/HCPCS) or `CN` (provincial price items). */
  jurisdiction: 'US' | 'CN';
  /** How often the period-code loop runs (remote monitoring, e-visits); 0 = never. */
  periodLoopSeconds: number;
  china: { system: string; followUpItem: string; outpatientItem: string; outpatientPrice: number | null };
}

export class ConfigError extends Error {}

function billingConfig(env: Env): BillingConfig {
  const jurisdiction = env.BILLING_JURISDICTION || 'US';
  if (jurisdiction !== 'US' && jurisdiction !== 'CN') throw new ConfigError(`BILLING_JURISDICTION must be US or CN, got "${jurisdiction}"`);
  const system = env.BILLING_CN_PRICE_ITEM_SYSTEM || 'https://internet-hospital.dev/fhir/CodeSystem/cn-medical-service-price-item';
  if (!/^(https?:|urn:)/.test(system)) throw new ConfigError('BILLING_CN_PRICE_ITEM_SYSTEM must be an http(s) URL or a urn:');
  const rawPrice = env.BILLING_CN_OUTPATIENT_PRICE;
  const outpatientPrice = rawPrice === undefined || rawPrice === '' ? null : Number(rawPrice);
  if (outpatientPrice !== null && !(Number.isFinite(outpatientPrice) && outpatientPrice >= 0)) {
    throw new ConfigError(`BILLING_CN_OUTPATIENT_PRICE must be an amount in CNY, got "${rawPrice}"`);
  }
  const item = (key: string, fallback: string) => {
    const value = env[key] || fallback;
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/.test(value)) throw new ConfigError(`${key} must be a price-item code (letters, digits, "." or "-")`);
    return value;
  };
  return {
    jurisdiction,
    periodLoopSeconds: integer(env, 'BILLING_PERIOD_LOOP_SECONDS', 3600),
    china: {
      system, outpatientPrice,
      followUpItem: item('BILLING_CN_FOLLOW_UP_ITEM', '110200001-IH'),
      outpatientItem: item('BILLING_CN_OUTPATIENT_ITEM', '110200001'),
    },
  };
}

/** The folder holding package.json, whether this runs from the sources or from dist/. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new ConfigError('cannot find the project folder (package.json)');
    dir = parent;
  }
  return dir;
}

type Env = Record<string, string | undefined>;

function urlList(env: Env, key: string, schemes: RegExp): string[] {
  const list = (env[key] ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  for (const url of list) if (!schemes.test(url)) throw new ConfigError(`${key} has "${url}", which is not a ${schemes.source} URL`);
  return list;
}

function videoConfig(env: Env): VideoConfig {
  const turnUrls = urlList(env, 'TURN_URLS', /^turns?:/);
  const turnSecret = env.TURN_SECRET || null;
  if (turnUrls.length && !turnSecret) throw new ConfigError('TURN_URLS needs TURN_SECRET (coturn static-auth-secret)');
  const redisUrl = redisUrlOf(env);
  return {
    stunUrls: urlList(env, 'STUN_URLS', /^stuns?:/),
    turnUrls,
    turnSecret,
    turnTtlSeconds: integer(env, 'TURN_TTL_SECONDS', 3 * 3600, 60),
    roomTokenTtlSeconds: integer(env, 'VIDEO_TOKEN_TTL_SECONDS', 300, 10),
    maxMessageBytes: integer(env, 'SIGNAL_MAX_BYTES', 32 * 1024, 1024),
    maxMessagesPerSecond: integer(env, 'SIGNAL_MAX_PER_SECOND', 50, 1),
    redisUrl,
  };
}

function redisUrlOf(env: Env): string | null {
  const redisUrl = env.REDIS_URL || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  return redisUrl;
}

/** proxy-addr's names for address ranges, as Express's `trust proxy` accepts them. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `TRUST_PROXY=10.0.0.1,10.1.0.0/16`: the proxies' addresses or subnets; unset, empty or `false` trusts none. */
export function parseTrustProxy(raw: string | undefined): string[] {
  return parseAddressRanges('TRUST_PROXY', raw);
}

/** `KEY=10.0.0.1,10.1.0.0/16,loopback`: addresses, subnets or proxy-addr's named ranges; unset, empty or `false` is none. */
export function parseAddressRanges(key: string, raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '' || raw.trim().toLowerCase() === 'false') return [];
  return raw.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    const [address, bits, ...rest] = entry.split('/');
    const family = net.isIP(address);
    const prefixOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!NAMED_RANGES.has(entry) && (!family || !prefixOk || rest.length)) {
      throw new ConfigError(
        `${key} entry "${entry}" must be an IP address, a subnet (10.0.0.0/8) or loopback, linklocal, uniquelocal`);
    }
    return entry;
  });
}

function rateLimitConfig(env: Env): RateLimitConfig {
  return {
    apiPerMinute: integer(env, 'RATE_LIMIT_API_PER_MINUTE', 1200),
    tokenPerMinute: integer(env, 'RATE_LIMIT_TOKEN_PER_MINUTE', 60),
    registrationPerHour: integer(env, 'RATE_LIMIT_REGISTRATION_PER_HOUR', 60),
    redisUrl: redisUrlOf(env),
    redisPrefix: 'hospital:rate-limit:',
  };
}

function integer(env: Env, key: string, fallback: number, min = 0): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${key} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
}

function flag(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${key} must be true or false, got "${raw}"`);
}

const ICD10_CATEGORY = /^[A-Z][0-9]{2}$/;

/** `I10-I15=Hypertensive diseases;E11=Type 2 diabetes mellitus`: ICD-10 category ranges with display names. */
export function parseChronicConditions(raw: string | undefined): ChronicCondition[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_CHRONIC_CONDITIONS;
  return raw.split(';').map((s) => s.trim()).filter(Boolean).map((entry) => {
    const match = /^([^=]+)=(.+)$/.exec(entry);
    const [from, to = from] = (match?.[1] ?? '').trim().toUpperCase().split('-').map((c) => c.trim());
    if (!match || !ICD10_CATEGORY.test(from) || !ICD10_CATEGORY.test(to) || to < from) {
      throw new ConfigError(`CHRONIC_CONDITIONS entry "${entry}" must look like I10-I15=Hypertensive diseases or E11=Type 2 diabetes`);
    }
    return { from, to, display: match[2].trim() };
  });
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (nodeEnv !== 'production' && nodeEnv !== 'development' && nodeEnv !== 'test') {
    throw new ConfigError(`NODE_ENV must be production, development or test, got "${nodeEnv}"`);
  }
  const production = nodeEnv === 'production';
  const port = integer(env, 'PORT', 3000);
  const dataDir = path.resolve(env.DATA_DIR || 'data');
  const databaseUrl = env.DATABASE_URL || `sqlite:${path.join(dataDir, 'hospital.db')}`;
  if (!/^(sqlite:|mysql:\/\/|mariadb:\/\/)/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with sqlite: or mysql:// (MySQL, MariaDB, TiDB)');
  }
  const publicBaseUrl = (env.PUBLIC_BASE_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  if (production && !env.PUBLIC_BASE_URL) throw new ConfigError('PUBLIC_BASE_URL is required in production');
  if (production && !env.KEYS_DIR) {
    throw new ConfigError('KEYS_DIR is required in production: the directory holding the hospital signing keys');
  }
  const seedDemo = flag(env, 'SEED_DEMO', !production);
  if (production && seedDemo) throw new ConfigError('SEED_DEMO cannot be enabled in production');
  return {
    env: nodeEnv,
    host: env.HOST || '127.0.0.1',
    port,
    publicBaseUrl,
    databaseUrl,
    dataDir,
    keysDir: path.resolve(env.KEYS_DIR || path.join(dataDir, 'keys')),
    accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 30),
    refreshTokenTtlSeconds: integer(env, 'REFRESH_TOKEN_TTL_SECONDS', 14 * 24 * 3600, 60),
    seedDemo,
    demoPassword: env.DEMO_PASSWORD || 'demo-hospital',
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    bodyLimit: env.BODY_LIMIT || '1mb',
    login: {
      maxFailures: integer(env, 'LOGIN_MAX_FAILURES', 5, 1),
      windowSeconds: integer(env, 'LOGIN_WINDOW_SECONDS', 900, 1),
    },
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000),
    transactionTimeoutMs: integer(env, 'TRANSACTION_TIMEOUT_MS', 10_000),
    clientDir: path.resolve(env.CLIENT_DIR || path.join(projectRoot(), 'dist', 'client')),
    appointments: {
      cancellationCutoffMinutes: integer(env, 'CANCELLATION_CUTOFF_MINUTES', 120),
      reminderLeadMinutes: integer(env, 'REMINDER_LEAD_MINUTES', 24 * 60),
      outboxIntervalMs: integer(env, 'OUTBOX_INTERVAL_MS', 5_000, 100),
    },
    followUp: {
      chronicConditions: parseChronicConditions(env.CHRONIC_CONDITIONS),
      lookBackDays: integer(env, 'FOLLOW_UP_LOOKBACK_DAYS', 730, 1),
    },
    attachmentMaxBytes: integer(env, 'ATTACHMENT_MAX_BYTES', 5 * 1024 * 1024, 1024),
    monitoring: {
      crisisEscalationMinutes: integer(env, 'CRISIS_ESCALATION_MINUTES', 15, 1),
      escalationSweepSeconds: integer(env, 'ESCALATION_SWEEP_SECONDS', 60),
    },
    partnerTimeoutMs: integer(env, 'PARTNER_TIMEOUT_MS', 5_000, 50),
    video: videoConfig(env),
    mail: mailConfig(env),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    rateLimits: rateLimitConfig(env),
    fhirLimits: {
      maxElements: integer(env, 'FHIR_MAX_ELEMENTS', 100_000, 100),
      maxDepth: integer(env, 'FHIR_MAX_DEPTH', 64, 8),
      bundleMaxEntries: integer(env, 'BUNDLE_MAX_ENTRIES', 1000, 1),
    },
    metricsAllow: parseAddressRanges('METRICS_ALLOW', env.METRICS_ALLOW),
    billing: billingConfig(env),
  };
}
