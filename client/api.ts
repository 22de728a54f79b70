/**
 * The browser app's one way to call /api: sends the signed-in user's Bearer token and turns a problem+json
 * answer into an `ApiError` whose message is the server's `title` (already written for people) and whose `details`
 * are its `errors[]` (each naming the field it is about).
 */
export const TOKEN_KEY = 'access_token';

/** One problem of a refusal: `expression` points at the field (`lines[1].supplyDays`, `body.lines.0.dose`). */
export interface ProblemDetail { expression?: string; message: string }

export class ApiError extends Error {
  /** `problem` is the whole problem+json body: `errors` naming each bad field, and a refusal's own members. */
  constructor(readonly status: number, readonly code: string | undefined, message: string, readonly problem: Record<string, unknown> = {}) {
    super(message);
  }

  /** The problems of the refusal, each pointing at its field. */
  get details(): ProblemDetail[] {
    return Array.isArray(this.problem.errors) ? this.problem.errors as ProblemDetail[] : [];
  }
}

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PUT';
  body?: unknown;
  /** Sends an `Idempotency-Key`, so a retried request gets the first answer instead of acting twice. */
  idempotent?: boolean;
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
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotent) headers['idempotency-key'] = newIdempotencyKey();
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, undefined, 'The hospital could not be reached. Check the connection and try again.');
  }
  const text = await response.text();
  const answer = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const problem = (answer ?? {}) as { title?: string; code?: string };
    throw new ApiError(response.status, problem.code, problem.title ?? `The request failed (${response.status}).`, problem);
  }
  return answer as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The message to show for any failure: the server's words for an ApiError, a generic line otherwise. */
export const messageOf = (error: unknown) => (error instanceof ApiError ? error.message : 'Something went wrong. Try again.');
