import type { FastifyInstance } from 'fastify';

/**
 * The methods each route path answers, for a 405 with `Allow` (RFC 9110 §15.5.6) where a path
 * exists under another method: `GET /webhook` is a 405 naming POST, not a 404. Fed by Fastify's
 * onRoute hook, so it knows every route registered after it; patterns use Fastify's `:param`
 * and a trailing `*`.
 */
export interface RouteMethods {
  /** Methods of the routes whose pattern matches `path` (none: the path is unknown). */
  allowed(path: string): string[];
}

export function recordRouteMethods(fastify: FastifyInstance): RouteMethods {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    routes.push({ pattern: patternOf(route.url ?? route.path), methods });
  });
  return {
    allowed(path) {
      const methods = new Set<string>();
      for (const route of routes) {
        if (route.pattern.test(path)) for (const method of route.methods) methods.add(method);
      }
      return [...methods].sort();
    },
  };
}

function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return '[^/]+';
      if (segment === '*') return '.*';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}
