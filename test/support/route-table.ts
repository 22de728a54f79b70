import type { Express } from 'express';

interface Layer { route?: { path: string | string[]; methods: Record<string, boolean> }; handle: { stack?: Layer[] } }

/**
 * Every `METHOD path` of the app's routers, walking nested routers: the route table tests are generated from, so a
 * route added to the app is a row those tests must declare (test/api/access-matrix.test.ts,
 * test/api/api-writes-versioned.test.ts).
 */
export function routesOf(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
          for (const path of paths) found.push(`${method.toUpperCase()} ${path.replace(/\\\$/g, '$')}`);
        }
      } else if (layer.handle.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...new Set(found)];
}
