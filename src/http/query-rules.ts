import type { FastifyInstance, RouteOptions } from 'fastify';

import { noQuery } from './schemas.js';

/**
 * Query rules every API route shares, applied as routes are registered:
 * - a GET route under /api/ that declares no query takes none: a key is a 400 naming it
 *   (`query.x: unknown field`), as the declared schemas' `additionalProperties: false` do.
 *   Health routes and the console's files take any query (probes and cache-busters add them).
 */
export function applyQueryRules(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    if (isApiRead(route) && route.schema?.querystring === undefined) {
      route.schema = { ...route.schema, querystring: noQuery };
    }
  });
}

function isApiRead(route: RouteOptions): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return route.url.startsWith('/api/') && methods.some((m) => m === 'GET' || m === 'HEAD');
}
