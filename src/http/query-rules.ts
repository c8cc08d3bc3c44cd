import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

import { AppError } from '../domain/errors.js';
import { noQuery } from './schemas.js';

/**
 * Query rules every API route shares, applied as routes are registered:
 * - a GET route under /api/ that declares no query takes none: a key is a 400 naming it
 *   (`query.x: unknown field`), as the declared schemas' `additionalProperties: false` do.
 *   Health routes and the console's files take any query (probes and cache-busters add them).
 * - no declared query key is taken twice: Fastify parses `?limit=1&limit=2` as an array, which
 *   no schema allows and Ajv would call "must be integer".
 * - every query value that became a number is finite: the schema's coercion reads
 *   `?limit=Infinity` (or `1e309`) as a number that passes `type: integer` and its bounds, and
 *   it would reach SQL as "Infinity". Checked after validation, where the coercion happened.
 */
export function applyQueryRules(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    if (isApiRead(route) && route.schema?.querystring === undefined) {
      route.schema = { ...route.schema, querystring: noQuery };
    }
    const known = propertyNames(route.schema?.querystring);
    if (known.size === 0) return;
    route.preValidation = [
      ...asArray(route.preValidation),
      (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
        done(repeatedKey(request, known));
      },
    ];
    route.preHandler = [
      ...asArray(route.preHandler),
      (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
        done(infiniteNumber(request));
      },
    ];
  });
}

function asArray<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

function isApiRead(route: RouteOptions): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return route.url.startsWith('/api/') && methods.some((m) => m === 'GET' || m === 'HEAD');
}

/** An unknown key, even repeated, is left to the schema: it is unknown before it is twice. */
function repeatedKey(request: FastifyRequest, known: ReadonlySet<string>): AppError | undefined {
  const query: unknown = request.query;
  if (typeof query !== 'object' || query === null) return undefined;
  const repeated = Object.entries(query).find(
    ([key, value]) => known.has(key) && Array.isArray(value),
  );
  if (repeated === undefined) return undefined;
  const path = `query.${repeated[0]}`;
  return new AppError('invalid_request', `${path}: given more than once`, {
    details: [{ path, message: 'given more than once' }],
  });
}

function infiniteNumber(request: FastifyRequest): AppError | undefined {
  const query: unknown = request.query;
  if (typeof query !== 'object' || query === null) return undefined;
  const infinite = Object.entries(query).find(
    ([, value]) => typeof value === 'number' && !Number.isFinite(value),
  );
  if (infinite === undefined) return undefined;
  const path = `query.${infinite[0]}`;
  return new AppError('invalid_request', `${path}: must be a finite number`, {
    details: [{ path, message: 'must be a finite number' }],
  });
}

function propertyNames(schema: unknown): Set<string> {
  if (typeof schema !== 'object' || schema === null || !('properties' in schema)) {
    return new Set();
  }
  const properties: unknown = schema.properties;
  return new Set(
    typeof properties === 'object' && properties !== null ? Object.keys(properties) : [],
  );
}
