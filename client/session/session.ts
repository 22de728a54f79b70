/**
 * The signed-in session of this page (docs/api.md "Browser sessions"). The access token lives in this module's
 * memory only; the refresh token is an HttpOnly cookie the server sets and rotates, which this code never sees, so
 * every tab of the browser shares one session and a new tab or a reload continues it (`resumeSession`).
 *
 * A refresh token is single-use: two refreshes with the same one would revoke the whole session. So renewals are
 * one at a time: within the page (one promise for every request that needs it) and across tabs (a Web Lock;
 * the second tab then sends the cookie the first one's renewal set).
 */
import { ApiError, problemOf, safeJson, unreachable } from '../api-error.js';

interface Grant { access_token: string; expires_in: number }

let current: { token: string; expiresAt: number } | null = null;
/** The account of the session; kept when the session ends under the page, so a sign-in again can be compared. */
let account: string | null = null;
/** Set by a `?token=` link: there is no cookie behind it, so it is not renewed. */
let fromLink = false;
let renewing: Promise<string | null> | null = null;

/** The `sub` of an access token (the account), read to tell a renewed session from another person's sign-in. */
function subjectOf(token: string): string | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    return typeof payload.sub === 'string' ? payload.sub : null;
  } catch {
    return null;
  }
}

function keep(grant: Grant) {
  current = { token: grant.access_token, expiresAt: Date.now() + grant.expires_in * 1000 };
  account = subjectOf(grant.access_token);
  fromLink = false;
}

async function post(path: string, body?: URLSearchParams): Promise<Response> {
  try {
    return await fetch(path, { method: 'POST', body, credentials: 'same-origin' });
  } catch {
    throw unreachable();
  }
}

export const accessToken = (): string | null => current?.token ?? null;
/** The account (user id) of the session, also after it ended under the page; null once signed out. */
export const signedInAccount = (): string | null => account;

/** Signs in with a password; the server sets the session cookie. A refusal is an ApiError in the server's words. */
export async function signIn(username: string, password: string): Promise<void> {
  const response = await post('/auth/session', new URLSearchParams({ username, password }));
  const answer = safeJson(await response.text());
  if (!response.ok) throw problemOf(response.status, answer);
  keep(answer as Grant);
}

/** A new access token from the session cookie; null when there is no session to continue (signed out, revoked). */
async function continueSession(): Promise<string | null> {
  const response = await post('/auth/session/refresh');
  const answer = safeJson(await response.text());
  if (response.status === 401) {
    current = null;
    return null;
  }
  if (!response.ok) throw problemOf(response.status, answer);
  keep(answer as Grant);
  return current!.token;
}

/** On page load: continues the session of this browser, if it has one. */
export async function resumeSession(): Promise<boolean> {
  return (await renewAccess(null)) !== null;
}

/**
 * A fresh access token in place of `stale` (expired); null when the session cannot go on. Concurrent callers
 * share one renewal; a caller whose token was already replaced gets the new one without asking the server.
 */
export function renewAccess(stale: string | null): Promise<string | null> {
  if (current && current.token !== stale) return Promise.resolve(current.token);
  if (fromLink) return Promise.resolve(null);
  renewing ??= oneAtATime(() => continueSession()).finally(() => { renewing = null; });
  return renewing;
}

/** Runs `work` holding the browser-wide session lock where the browser has Web Locks, directly otherwise. */
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? locks.request('hospital-session-renewal', work) as Promise<T> : work();
}

/** An access token that is good for at least `marginMs` more (for a call made outside `api`, such as a room token). */
export async function freshAccessToken(marginMs = 30_000): Promise<string | null> {
  if (current && current.expiresAt - Date.now() > marginMs) return current.token;
  return renewAccess(current?.token ?? null);
}

/** Uses the access token a link carried (`?token=`), for this page only. */
export function useLinkToken(token: string): void {
  current = { token, expiresAt: Number.POSITIVE_INFINITY };
  account = subjectOf(token);
  fromLink = true;
}

/** Ends the session everywhere: the server revokes it and clears the cookie. */
export async function signOut(): Promise<void> {
  current = null;
  account = null;
  try {
    await fetch('/auth/session', { method: 'DELETE', credentials: 'same-origin' });
  } catch {
    // Unreachable: the cookie stays until the server sees it again; this page is signed out all the same.
  }
}

/** What a page does when the session ended under it: ask the person to sign in again, keeping the page as it is. */
let onLost: (() => Promise<void>) | null = null;
let lost: Promise<void> | null = null;

export function whenSessionLost(handler: () => Promise<void>): void {
  onLost = handler;
}

/**
 * Waits until the person has signed in again (every request that found the session over waits for the same
 * sign-in); without a handler, the caller's refusal stands.
 */
export function signInAgain(refusal: ApiError): Promise<void> {
  // After a sign-out, a request still under way is simply refused: nobody asked to be signed in again.
  if (!onLost || account === null) return Promise.reject(refusal);
  lost ??= onLost().finally(() => { lost = null; });
  return lost;
}
