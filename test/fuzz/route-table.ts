import type { Express } from 'express';

/** One route the app answers: method, Express path (`/api/visits/:visitId`), and its parameter names. */
export interface RouteEntry {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  params: string[];
}

interface Layer { route?: { path: string | string[]; methods: Record<string, boolean> }; handle: unknown }

const stackOf = (handle: unknown): Layer[] | undefined =>
  (typeof handle === 'function' && Array.isArray((handle as { stack?: unknown }).stack) ? (handle as unknown as { stack: Layer[] }).stack : undefined);

/**
 * Every route of the app, read from the Express router stacks (nested routers too), so a route added later is
 * fuzzed without anyone adding it here. Only the API surfaces: /api, /auth and /fhir.
 */
export function routesOf(app: Express): RouteEntry[] {
  const found = new Map<string, RouteEntry>();
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      const nested = stackOf(layer.handle);
      if (nested) walk(nested);
      if (!layer.route) continue;
      for (const path of [layer.route.path].flat()) {
        if (!/^\/(api|auth|fhir)(\/|$)/.test(path)) continue;
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
          const entry: RouteEntry = { method: method.toUpperCase() as RouteEntry['method'], path, params: [...path.matchAll(/:(\w+)/g)].map((m) => m[1]) };
          found.set(`${entry.method} ${path}`, entry);
        }
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...found.values()];
}

/** The URL of a route with its parameters filled in (values already percent-encoded by the caller). */
export function urlOf(route: RouteEntry, values: Record<string, string>): string {
  return route.path.replace(/:(\w+)/g, (_, name: string) => values[name] ?? 'x').replace(/\\\$/g, '$');
}
