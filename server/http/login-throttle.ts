import crypto from 'node:crypto';
import { Op, UniqueConstraintError } from 'sequelize';
import { incremented } from '../../db/columns.js';
import type { Database } from '../../db/connection.js';
import { atMostEvery } from '../operations/background-loop.js';
import { TooManyRequests } from './errors.js';

const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Counts failed sign-ins per account and address in a fixed window (OWASP Authentication Cheat Sheet: throttle
 * per account to stop password guessing). The counts are rows of `login_failures`, so every process of the node
 * counts the same failures: a guesser gains nothing by spreading attempts over instances. Keys are stored
 * hashed (no e-mail address or IP in the table).
 */
export class LoginThrottle {
  /** Forgets the windows that have closed (at most every PRUNE_EVERY_MS per process). */
  private readonly prune = atMostEvery(PRUNE_EVERY_MS, (now) => this.db.models.LoginFailure.destroy({ where: { resetAt: { [Op.lte]: new Date(now) } } }));

  constructor(private readonly db: Database, private readonly maxFailures: number, private readonly windowSeconds: number) {}

  private static keyOf(key: string): string {
    return crypto.createHash('sha256').update(`login-throttle\n${key}`).digest('hex');
  }

  /** Throws 429 while `key` has used up its failures in the current window. */
  async check(key: string, now = Date.now()): Promise<void> {
    const row = await this.db.models.LoginFailure.findByPk(LoginThrottle.keyOf(key));
    if (row && row.resetAt.getTime() > now && row.failures >= this.maxFailures) {
      throw new TooManyRequests(Math.ceil((row.resetAt.getTime() - now) / 1000), 'Too many failed sign-in attempts. Wait before trying again.');
    }
  }

  /** Counts one failure: in the open window, or in a new one. Concurrent failures are all counted. */
  async fail(key: string, now = Date.now()): Promise<void> {
    const { LoginFailure } = this.db.models;
    const throttleKey = LoginThrottle.keyOf(key);
    const plusOne = { failures: incremented(this.db, 'failures') };
    await this.prune(now);
    const [counted] = await LoginFailure.update(plusOne, { where: { throttleKey, resetAt: { [Op.gt]: new Date(now) } } });
    if (counted) return;
    const fresh = { failures: 1, resetAt: new Date(now + this.windowSeconds * 1000) };
    const [restarted] = await LoginFailure.update(fresh, { where: { throttleKey, resetAt: { [Op.lte]: new Date(now) } } });
    if (restarted) return;
    try {
      await LoginFailure.create({ throttleKey, ...fresh });
    } catch (error) {
      if (!(error instanceof UniqueConstraintError)) throw error;
      await LoginFailure.update(plusOne, { where: { throttleKey } }); // a concurrent failure opened the window first
    }
  }

  async succeed(key: string): Promise<void> {
    await this.db.models.LoginFailure.destroy({ where: { throttleKey: LoginThrottle.keyOf(key) } });
  }
}
