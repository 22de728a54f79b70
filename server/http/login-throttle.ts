import { TooManyRequests } from './errors.js';

/**
 * Counts failed sign-ins per account and address in a fixed window (OWASP Authentication Cheat Sheet:
 * throttle per account to stop password guessing). In memory: each instance throttles on its own.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly maxFailures: number, private readonly windowSeconds: number) {}

  /** Throws 429 while `key` has used up its failures in the current window. */
  check(key: string, now = Date.now()): void {
    const entry = this.failures.get(key);
    if (!entry) return;
    if (entry.resetAt <= now) {
      this.failures.delete(key);
      return;
    }
    if (entry.count >= this.maxFailures) {
      throw new TooManyRequests(Math.ceil((entry.resetAt - now) / 1000),
        'Too many failed sign-in attempts. Wait before trying again.');
    }
  }

  fail(key: string, now = Date.now()): void {
    if (this.failures.size > 100_000) this.prune(now);
    const entry = this.failures.get(key);
    if (!entry || entry.resetAt <= now) this.failures.set(key, { count: 1, resetAt: now + this.windowSeconds * 1000 });
    else entry.count += 1;
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  private prune(now: number): void {
    for (const [key, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(key);
  }
}
