import type { Request, Response } from 'express';
import type { Database } from '../../db/connection.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Origin } from './caller.js';
import type { TokenResponse } from './grant-token.js';
import { hashRefreshToken } from './tokens.js';

/**
 * The browser app's session (docs/api.md "Browser sessions"): the token endpoint's grants, with the rotating
 * refresh token kept in an HttpOnly cookie instead of the answer's body. Scripts of the page never see it, so an
 * injected script can use the session only while the page is open, never carry it away; SameSite=Strict keeps
 * other sites from spending it, and its path keeps it off every other request.
 */
export const SESSION_COOKIE = 'hospital_session';
export const SESSION_COOKIE_PATH = '/auth/session';

/** What the page receives: the access token and its lifetime, never the refresh token. */
export type SessionAnswer = Omit<TokenResponse, 'refresh_token'>;

/** The refresh token the cookie carries; anything else in the header (or an ill-formed value) is no session. */
export function sessionTokenOf(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, value] = part.split('=', 2).map((s) => s.trim());
    // Our tokens are 43 base64url characters (newRefreshToken); the grant input allows up to 200.
    if (name === SESSION_COOKIE && value && /^[A-Za-z0-9_-]{1,200}$/.test(value)) return value;
  }
  return undefined;
}

/** Puts the grant's refresh token into the cookie and answers the rest. */
export function startSession(res: Response, granted: TokenResponse, options: { secure: boolean; maxAgeSeconds: number }): SessionAnswer {
  const { refresh_token: refreshToken, ...answer } = granted;
  res.cookie(SESSION_COOKIE, refreshToken, {
    httpOnly: true, sameSite: 'strict', path: SESSION_COOKIE_PATH, secure: options.secure, maxAge: options.maxAgeSeconds * 1000,
  });
  return answer;
}

export function clearSession(res: Response, options: { secure: boolean }): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: SESSION_COOKIE_PATH, secure: options.secure });
}

/** Sign-out: every refresh token of the session's family is revoked, so a copy of the cookie is worth nothing. */
export async function endSession(db: Database, refreshToken: string | undefined, origin: Origin): Promise<void> {
  if (!refreshToken) return;
  const { RefreshToken } = db.models;
  const stored = await RefreshToken.findOne({ where: { tokenHash: hashRefreshToken(refreshToken) } });
  if (!stored) return;
  await db.transaction(async (tx) => {
    await RefreshToken.update({ revokedAt: new Date() }, { where: { familyId: stored.familyId, revokedAt: null }, transaction: tx });
    await recordAudit(db, origin, { action: 'E', activity: 'logout', userId: stored.userId }, tx);
  });
}
