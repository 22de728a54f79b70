import crypto from 'node:crypto';
import { Op, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { User } from '../../db/models/access.js';
import { recordAudit } from '../audit/audit-log.js';
import { Invalid, Unauthorized } from '../http/errors.js';
import type { LoginThrottle } from '../http/login-throttle.js';
import type { Origin } from './caller.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { grantScopes, narrowScopes, ROLE_SCOPES } from './scopes.js';
import { hashRefreshToken, newRefreshToken, type TokenIssuer } from './tokens.js';

/** The body of a successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
  patient?: string;
}

export interface TokenGrantDeps {
  db: Database;
  tokens: TokenIssuer;
  throttle: LoginThrottle;
  refreshTtlSeconds: number;
}

const WRONG_CREDENTIALS = 'The username or password is not correct.';

async function issueTokens(deps: TokenGrantDeps, user: User, scope: string[], familyId: string, tx?: Transaction): Promise<TokenResponse> {
  const refresh = newRefreshToken();
  await deps.db.models.RefreshToken.create({
    id: crypto.randomUUID(),
    tokenHash: refresh.hash,
    userId: user.id,
    familyId,
    expiresAt: new Date(Date.now() + deps.refreshTtlSeconds * 1000),
    usedAt: null,
    revokedAt: null,
    scope: scope.join(' '),
  }, { transaction: tx });
  const scopeText = scope.join(' ');
  return {
    access_token: deps.tokens.issueAccessToken({
      sub: user.id, role: user.role, patient: user.patientId, practitioner: user.practitionerId,
      org: user.organizationId, scope: scopeText,
    }),
    token_type: 'Bearer',
    expires_in: deps.tokens.accessTtlSeconds,
    refresh_token: refresh.token,
    scope: scopeText,
    ...(user.patientId ? { patient: user.patientId } : {}),
  };
}

export async function passwordGrant(
  deps: TokenGrantDeps, input: { username: string; password: string; scope?: string }, origin: Origin,
): Promise<TokenResponse> {
  const email = input.username.trim().toLowerCase();
  const throttleKey = `${email}|${origin.ip ?? ''}`;
  // Reserved before the password is checked: a burst of guesses checks at most the throttle's limit.
  const attempt = await deps.throttle.reserve(throttleKey);
  const user = await deps.db.models.User.findOne({ where: { email } });
  // Verify against a decoy when there is no such account, so the response time does not reveal it.
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? await decoyHash);
  if (!user || !passwordOk || !user.active) {
    await recordAudit(deps.db, origin, {
      action: 'E', activity: 'login', outcome: '4', userId: user?.id ?? null,
      detail: user ? 'wrong password or inactive account' : 'unknown account',
    });
    throw new Unauthorized('invalid-credentials', WRONG_CREDENTIALS, [], { error: 'invalid_grant' });
  }
  await deps.throttle.succeed(attempt);
  const scope = grantScopes(user.role, input.scope);
  if (scope.length === 0) throw new Invalid('invalid-scope', 'None of the requested scopes can be granted.', [], { error: 'invalid_scope' });
  const response = await issueTokens(deps, user, scope, crypto.randomUUID());
  await recordAudit(deps.db, origin, { action: 'E', activity: 'login', userId: user.id });
  return response;
}

/**
 * Rotates a refresh token: the presented one is spent with a conditional update, so two concurrent uses
 * cannot both succeed; presenting a spent token again revokes every token of its family.
 */
export async function refreshGrant(
  deps: TokenGrantDeps, input: { refreshToken: string; scope?: string }, origin: Origin,
): Promise<TokenResponse> {
  const { RefreshToken, User } = deps.db.models;
  const stored = await RefreshToken.findOne({ where: { tokenHash: hashRefreshToken(input.refreshToken) } });
  const refused = (detail: string) => new Unauthorized('invalid-refresh-token', detail, [], { error: 'invalid_grant' });
  if (!stored) throw refused('The refresh token is not valid.');
  // What the refresh would grant is decided before the token is spent, so a refused request leaves it usable.
  // It keeps or narrows the scope granted at sign-in (kept with the family); a token from before that was kept
  // (null) refreshes to the role's default scope, as it always did.
  const user = await User.findByPk(stored.userId);
  if (!user || !user.active) throw refused('The account is no longer active.');
  const granted = stored.scope === null ? ROLE_SCOPES[user.role] : narrowScopes(ROLE_SCOPES[user.role], stored.scope);
  const scope = narrowScopes(granted, input.scope);
  if (scope.length === 0) throw new Invalid('invalid-scope', 'None of the requested scopes was granted at sign-in.', [], { error: 'invalid_scope' });
  const now = new Date();
  // Spent and replaced in one transaction: a failure after the spend must not leave the user with no token.
  const rotated = await deps.db.transaction(async (tx) => {
    const [spent] = await RefreshToken.update({ usedAt: now }, {
      where: { id: stored.id, usedAt: null, revokedAt: null, expiresAt: { [Op.gt]: now } }, transaction: tx,
    });
    return spent === 1 ? issueTokens(deps, user, scope, stored.familyId, tx) : null;
  });
  if (rotated) return rotated;
  if (stored.usedAt || (!stored.revokedAt && stored.expiresAt > now)) {
    await RefreshToken.update({ revokedAt: now }, { where: { familyId: stored.familyId, revokedAt: null } });
    await recordAudit(deps.db, origin, {
      action: 'E', activity: 'refresh-token-reuse', outcome: '8', userId: stored.userId,
      detail: 'a spent refresh token was presented again; its family was revoked',
    });
    throw refused('The refresh token was already used. Sign in again.');
  }
  throw refused('The refresh token has expired or was revoked. Sign in again.');
}
