/**
 * The browser app's one way to call /api: sends the session's Bearer token and turns a problem+json answer into an
 * `ApiError` whose message is the refusal in the page's language (by its `code`, else the server's `title`) and whose `details` are its
 * `errors[]` (each naming the field it is about). An expired access token is renewed once, silently, and the
 * request sent again; a session that has ended asks the person to sign in again and then sends it (./session/).
 */
import { ApiError, problemOf, safeJson, unreachable } from './api-error.js';
import { t } from './i18n/index.js';
import { accessToken, renewAccess, signInAgain } from './session/session.js';

export { ApiError, type ProblemDetail } from './api-error.js';

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PUT';
  body?: unknown;
  /** Sends an `Idempotency-Key`, so a retried request gets the first answer instead of acting twice. */
  idempotent?: boolean;
  /** A file sent as the raw body with its own Content-Type (an upload), instead of a JSON `body`. */
  file?: Blob;
}

/** A random UUID; `crypto.randomUUID` exists only in secure contexts (https or localhost). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  return (await apiAnswer<T>(path, options)).body;
}

/** As `api`, with the response headers too (the message list's `Visit-Status`). */
export async function apiAnswer<T>(path: string, options: ApiOptions = {}): Promise<{ body: T; headers: Headers }> {
  const response = await send(path, options, 'application/json');
  const text = await response.text();
  const answer = text ? safeJson(text) : undefined;
  if (!response.ok) throw problemOf(response.status, answer);
  return { body: answer as T, headers: response.headers };
}

/** A file the server answers with (an attachment's bytes), as a Blob to save; a refusal is an ApiError as above. */
export async function apiFile(path: string): Promise<Blob> {
  const response = await send(path, {}, '*/*');
  if (!response.ok) throw problemOf(response.status, safeJson(await response.text()));
  return response.blob();
}

async function send(path: string, options: ApiOptions, accept: string): Promise<Response> {
  // One key for the request and its retry: the server must see them as the same request.
  const idempotencyKey = options.idempotent ? newIdempotencyKey() : undefined;
  const token = accessToken();
  const response = await sendOnce(path, options, accept, token, idempotencyKey);
  if (response.status !== 401) return response;
  const refusal = problemOf(401, safeJson(await response.clone().text()));
  // 401 means nothing was done, so sending the request again is safe, whatever it is.
  if (refusal.code === 'token-expired') {
    const renewed = await renewAccess(token);
    if (renewed) return sendOnce(path, options, accept, renewed, idempotencyKey);
  } else if (refusal.code !== 'not-authenticated') {
    return response;
  }
  await signInAgain(refusal);
  return sendOnce(path, options, accept, accessToken(), idempotencyKey);
}

async function sendOnce(path: string, options: ApiOptions, accept: string, token: string | null, idempotencyKey?: string): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.file) headers['content-type'] = options.file.type || 'application/octet-stream';
  else if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  const hasBody = options.file !== undefined || options.body !== undefined;
  try {
    return await fetch(path, {
      method: options.method ?? (hasBody ? 'POST' : 'GET'),
      headers,
      body: options.file ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
  } catch {
    throw unreachable();
  }
}

/** The message to show for any failure: the server's words for an ApiError, a generic line otherwise. */
export const messageOf = (error: unknown) => (error instanceof ApiError ? error.message : t.app.somethingWrong);
