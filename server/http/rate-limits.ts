import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { TokenIssuer } from '../auth/tokens.js';
import type { RateLimitConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { bearerClaims } from './authenticate.js';
import { TooManyRequests } from './errors.js';

/** The request limits of one node, mounted by server/app.ts; `close` ends the Redis connection. */
export interface RateLimits {
  /** POST /api/patients, per address. */
  registration: RequestHandler;
  /** POST /auth/token, per account and address (password grant) or per address (refresh, client credentials). */
  tokenGrants: RequestHandler;
  /** /api and /fhir, per account (the access token's subject), per address without a valid token. */
  api: RequestHandler;
  close(): Promise<void>;
}

const MINUTE_MS = 60_000;
/** A limiter waits this long for Redis, then lets the request through (a Redis outage must not stop care). */
const REDIS_TIMEOUT_MS = 1_000;

const addressOf = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');

function accountOrAddress(tokens: TokenIssuer) {
  return (req: Request) => {
    try {
      return `account:${bearerClaims(req, tokens).sub}`;
    } catch {
      return `address:${addressOf(req)}`; // no valid token: the route answers 401, counted against the address
    }
  };
}

function grantAccountAndAddress(req: Request): string {
  const body = req.body as { grant_type?: unknown; username?: unknown } | undefined;
  // A password grant names its account in the body, at the token endpoint or as the browser's session sign-in.
  const password = body?.grant_type === 'password' || req.path === '/auth/session';
  const username = password && typeof body?.username === 'string' ? body.username.trim().toLowerCase() : '';
  return `${username}|${addressOf(req)}`;
}

function redisClient(url: string, log: Logger): Redis {
  const redis = new Redis(url, { connectTimeout: REDIS_TIMEOUT_MS, commandTimeout: REDIS_TIMEOUT_MS, maxRetriesPerRequest: 1 });
  redis.on('error', (error: Error) => log.warn({ err: `Redis (REDIS_URL, rate limits) failed: ${error.message}` }, 'redis'));
  return redis;
}

/**
 * One express-rate-limit limiter per surface, counting in Redis when REDIS_URL is set (so every process of the
 * node shares the counts) and in this process otherwise. Past the limit the request goes to the one error handler
 * as TooManyRequests: 429 with Retry-After, problem+json under /api and /auth, an OperationOutcome under /fhir.
 */
export function rateLimits(config: RateLimitConfig, tokens: TokenIssuer, log: Logger): RateLimits {
  const redis = config.redisUrl ? redisClient(config.redisUrl, log) : null;
  const storeFor = (name: string): Store | undefined => redis ? new RedisStore({
    prefix: `${config.redisPrefix}${name}:`,
    sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
  }) : undefined;
  const logger = {
    error: (err: unknown, message?: string) => log.error({ err }, message ?? 'rate limit'),
    warn: (err: unknown, message?: string) => log.warn({ err }, message ?? 'rate limit'),
  };

  const limiter = (name: string, limit: number, windowMs: number, keyOf: (req: Request) => string, message: string): RequestHandler => {
    if (limit === 0) return (_req: Request, _res: Response, next: NextFunction) => next();
    return rateLimit({
      windowMs,
      limit,
      keyGenerator: (req) => `${name}:${keyOf(req)}`,
      store: storeFor(name),
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      passOnStoreError: true,
      logger,
      // Any client may send X-Forwarded-For; with TRUST_PROXY unset it is ignored on purpose, not a misconfiguration.
      validate: { xForwardedForHeader: false },
      handler: (req, _res, next) => {
        const resetAt = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ?? Date.now() + windowMs;
        next(new TooManyRequests(Math.max(1, Math.ceil((resetAt - Date.now()) / 1000)), message));
      },
    });
  };

  return {
    registration: limiter('registration', config.registrationPerHour, 60 * MINUTE_MS, addressOf,
      'Too many registrations from this address. Wait before trying again.'),
    tokenGrants: limiter('token', config.tokenPerMinute, MINUTE_MS, grantAccountAndAddress,
      'Too many token requests. Wait before trying again.'),
    api: limiter('api', config.apiPerMinute, MINUTE_MS, accountOrAddress(tokens),
      'Too many requests. Wait before trying again.'),
    async close() {
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
