import crypto from 'node:crypto';
import { Op, UniqueConstraintError } from 'sequelize';
import { incremented } from '../../db/columns.js';
import type { Database } from '../../db/connection.js';
import { atMostEvery } from '../operations/background-loop.js';
import { TooManyRequests } from './errors.js';

const PRUNE_EVERY_MS = 10 * 60_000;
/** Each round is lost only to a concurrent attempt that opened, reopened or cleared the same window. */
const RESERVE_ROUNDS = 4;
const REFUSED_MESSAGE = 'Too many failed sign-in attempts. Wait before trying again.';

/**
 * Counts sign-in attempts per account and address in a fixed window (OWASP Authentication Cheat Sheet: throttle
 * per account to stop password guessing). An attempt is reserved in the database, by a conditional increment,
 * BEFORE its password is checked: a burst of simultaneous guesses checks at most `maxAttempts` of them and the
 * rest are refused without running scrypt. An attempt that fails stays counted; a success clears the window when
 * that lets no burst in (`succeed`).
 *
 * The rows of `login_failures` are shared by every process of the node, so spreading a burst over instances gains
 * nothing. Keys are stored hashed (no e-mail address or IP in the table). The column is still called `failures`:
 * it counts attempts not cleared by a success, i.e. failures and attempts still being checked.
 */
/** A reserved sign-in attempt: its window's key and its number in that window (1 for the first). */
export interface SignInAttempt {
  throttleKey: string;
  number: number;
}

export class LoginThrottle {
  /** Forgets the windows that have closed (at most every PRUNE_EVERY_MS per process). */
  private readonly prune = atMostEvery(PRUNE_EVERY_MS, (now) => this.db.models.LoginFailure.destroy({ where: { resetAt: { [Op.lte]: new Date(now) } } }));

  constructor(private readonly db: Database, private readonly maxAttempts: number, private readonly windowSeconds: number) {}

  private static keyOf(key: string): string {
    return crypto.createHash('sha256').update(`login-throttle\n${key}`).digest('hex');
  }

  /**
   * Counts one attempt for `key`, or throws 429 (with the seconds until the window closes) when the window has
   * no attempt left. Decided by the database row, whatever other requests or processes do at the same time.
   */
  async reserve(key: string, now = Date.now()): Promise<SignInAttempt> {
    const { LoginFailure } = this.db.models;
    const throttleKey = LoginThrottle.keyOf(key);
    const at = new Date(now);
    await this.prune(now);
    for (let round = 0; round < RESERVE_ROUNDS; round++) {
      // The attempt's number in its window, read in the transaction of its increment so that it is exact.
      const counted = await this.db.transaction(async (transaction) => {
        const [changed] = await LoginFailure.update({ failures: incremented(this.db, 'failures') }, {
          where: { throttleKey, resetAt: { [Op.gt]: at }, failures: { [Op.lt]: this.maxAttempts } }, transaction,
        });
        return changed ? (await LoginFailure.findByPk(throttleKey, { transaction, rejectOnEmpty: true })).failures : null;
      });
      if (counted !== null) return { throttleKey, number: counted };
      // The window has closed: the first attempt after it opens the next one. Of two concurrent attempts only
      // one matches `resetAt <= now`; the other sees the new window in its next round and is counted there.
      const fresh = { failures: 1, resetAt: new Date(now + this.windowSeconds * 1000) };
      const [reopened] = await LoginFailure.update(fresh, { where: { throttleKey, resetAt: { [Op.lte]: at } } });
      if (reopened) return { throttleKey, number: 1 };
      const window = await LoginFailure.findByPk(throttleKey);
      if (!window) {
        if (await this.opened(throttleKey, fresh)) return { throttleKey, number: 1 };
      } else if (window.resetAt > at && window.failures >= this.maxAttempts) {
        throw new TooManyRequests(this.secondsUntil(window.resetAt, now), REFUSED_MESSAGE);
      }
      // Otherwise a concurrent attempt opened, reopened or cleared the window between our statements: again.
    }
    throw new TooManyRequests(1, REFUSED_MESSAGE);
  }

  /** Between 1 and the window: `now` was read before a concurrent attempt (with a later clock) opened it. */
  private secondsUntil(resetAt: Date, now: number): number {
    return Math.min(this.windowSeconds, Math.max(1, Math.ceil((resetAt.getTime() - now) / 1000)));
  }

  private async opened(throttleKey: string, fresh: { failures: number; resetAt: Date }): Promise<boolean> {
    try {
      await this.db.models.LoginFailure.create({ throttleKey, ...fresh });
      return true;
    } catch (error) {
      if (error instanceof UniqueConstraintError) return false; // a concurrent attempt opened it first
      throw error;
    }
  }

  /**
   * A right password clears the window, so a user who mistyped starts afresh; but only when no attempt was
   * reserved after this one and the window still had room. Otherwise a burst is under way (the attacker sent the
   * right password among guesses, or two devices sign in at once), and clearing the window would let the rest
   * of the burst be checked: the window then runs out as it would have. The cost: a user whose last allowed
   * attempt is the right one is refused a new sign-in until the window closes (their tokens keep working).
   */
  async succeed(attempt: SignInAttempt): Promise<void> {
    if (attempt.number >= this.maxAttempts) return;
    await this.db.models.LoginFailure.destroy({ where: { throttleKey: attempt.throttleKey, failures: attempt.number } });
  }
}
