import type { NextFunction, Request, Response, Router } from 'express';
import { Invalid } from './errors.js';

/** hl7.org/fhir/R4/datatypes.html#id: every id this node issues (UUIDs) matches it, so nothing else reaches SQL. */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** A type-level FHIR operation sits where an id would (`POST /fhir/Patient/$validate`). */
const OPERATION_NAME = /^\$[A-Za-z][A-Za-z0-9-]{0,63}$/;

/**
 * Text no client sends on purpose: C0 control characters other than tab, CR and LF (FHIR strings forbid them,
 * datatypes.html#string, and SQLite cuts a bound string at NUL) and lone UTF-16 surrogates (they cannot be
 * encoded as UTF-8, so they break canonical JSON, signing and the database's utf8mb4).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ILL_FORMED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\p{Cs}]/u;

export function isWellFormedText(value: string): boolean {
  return !ILL_FORMED.test(value);
}

function describe(value: string): string {
  return /\p{Cs}/u.test(value) ? 'a lone UTF-16 surrogate (not Unicode text)' : 'a control character such as NUL';
}

/** The first string (value or key) in a parsed JSON body or query that is not well-formed text, with its path. */
function illFormedIn(root: unknown, rootName: string): { expression: string; problem: string } | undefined {
  // An explicit stack rather than recursion: the depth of a body is the client's choice.
  const stack: Array<[unknown, string]> = [[root, rootName]];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (!isWellFormedText(value)) return { expression: path, problem: describe(value) };
    } else if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (!isWellFormedText(key)) return { expression: path, problem: `a key holding ${describe(key)}` };
        stack.push([child, `${path}.${key}`]);
      }
    }
  }
  return undefined;
}

/**
 * Refuses, before any route runs, a path, query or JSON body holding text that is not well-formed (see
 * ILL_FORMED): a 400 naming where, instead of a fault deep in the database driver or the signer.
 */
export function wellFormedInput() {
  return (req: Request, _res: Response, next: NextFunction) => {
    let path: string;
    try {
      path = decodeURIComponent(req.path);
    } catch {
      throw new Invalid('malformed-path', 'The request path is not valid percent-encoded UTF-8.');
    }
    const found = (isWellFormedText(path) ? undefined : { expression: 'path', problem: describe(path) })
      ?? illFormedIn(req.query, 'query') ?? illFormedIn(req.body, 'body');
    if (found) {
      throw new Invalid('ill-formed-text', `The request ${found.expression} holds ${found.problem}.`,
        [{ expression: found.expression, message: `holds ${found.problem}` }]);
    }
    next();
  };
}

/** Refuses an id that is not a FHIR id before it reaches a query: a 400 naming the parameter. */
export function assertFhirId(value: string, name: string): void {
  if (!FHIR_ID.test(value)) {
    throw new Invalid('invalid-id', `${name} "${value.slice(0, 80)}" is not an id (1 to 64 letters, digits, "-" or ".").`,
      [{ expression: name, message: 'not an id: 1 to 64 letters, digits, "-" or "."' }]);
  }
}

type Layer = { route?: { path: string | string[] }; handle: unknown; name?: string };
type RouterLike = { stack: Layer[]; param(name: string, fn: (req: Request, res: Response, next: NextFunction, value: string) => void): void };

const isRouter = (handle: unknown): handle is RouterLike =>
  typeof handle === 'function' && Array.isArray((handle as { stack?: unknown }).stack);

/**
 * Every route parameter named `id` or `…Id`, in every router of the app (nested ones too), is checked as a FHIR
 * id. Walking the stacks means a route added later is guarded without anyone remembering to.
 */
export function guardRouteIds(router: Router | RouterLike): void {
  const target = router as unknown as RouterLike;
  const names = new Set<string>();
  for (const layer of target.stack) {
    if (isRouter(layer.handle)) guardRouteIds(layer.handle);
    const paths = layer.route ? [layer.route.path].flat() : [];
    for (const path of paths) for (const [, name] of path.matchAll(/:(\w+)/g)) if (name === 'id' || name.endsWith('Id')) names.add(name);
  }
  for (const name of names) {
    target.param(name, (_req, _res, next, value) => {
      try {
        if (name !== 'id' || !OPERATION_NAME.test(value)) assertFhirId(value, name);
        next();
      } catch (error) {
        next(error);
      }
    });
  }
}
