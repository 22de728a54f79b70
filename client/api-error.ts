/** A refusal of the hospital's API as the pages show it (problem+json, docs/api.md "Errors"). */
import { t } from './i18n/index.js';

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

/**
 * The error for a problem+json answer: its message is the refusal in the page's language by its stable `code`,
 * or the server's `title` (already written for people, in English) for a code the catalogue does not list.
 */
export function problemOf(status: number, answer: unknown): ApiError {
  const problem = (answer ?? {}) as { title?: string; code?: string };
  const words = (problem.code && t.problems[problem.code]) || problem.title;
  return new ApiError(status, problem.code, words ?? t.app.requestFailed(status), problem);
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const unreachable = () => new ApiError(0, undefined, t.app.unreachable);
