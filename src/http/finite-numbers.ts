import type { FastifyInstance } from 'fastify';

import { AppError } from '../domain/errors.js';

/**
 * Fastify's schema coercion reads `?limit=Infinity` (or `1e309`) as a number that passes
 * `type: integer` and its bounds; such a value would reach SQL as "Infinity". Every query
 * value that became a number must be finite, or the request is a 400 naming the field.
 */
export function refuseInfiniteNumbers(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', (request, _reply, done) => {
    const query: unknown = request.query;
    const entries = typeof query === 'object' && query !== null ? Object.entries(query) : [];
    const infinite = entries.find(
      ([, value]) => typeof value === 'number' && !Number.isFinite(value),
    );
    if (infinite === undefined) {
      done();
      return;
    }
    const path = `query.${infinite[0]}`;
    done(
      new AppError('invalid_request', `${path}: must be a finite number`, {
        details: [{ path, message: 'must be a finite number' }],
      }),
    );
  });
}
