import type { FastifyInstance } from 'fastify';

import type { ServerDeps } from '../ports.js';

/** Liveness, readiness and the Prometheus scrape; never behind auth. */
export function registerHealthRoutes(
  app: FastifyInstance,
  deps: ServerDeps,
  isDraining: () => boolean,
): void {
  app.get('/healthz', () => ({ status: 'ok', version: deps.version }));

  app.get('/readyz', async (_request, reply) => {
    const stopping = isDraining() || deps.engine.status().stopping;
    const reachable = await deps.readiness.databaseReachable();
    const database = reachable
      ? 'ok'
      : deps.readiness.mode === 'memory'
        ? 'degraded'
        : 'unavailable';
    // Memory mode keeps accepting alerts without the database while its lanes have room (a dead
    // letter keeps its slot until the database takes it, or the journal at stop): ready.
    const ready = !stopping && database !== 'unavailable';
    if (!ready) void reply.header('retry-after', '5');
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not_ready',
      stopping,
      mode: deps.readiness.mode,
      database,
    });
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await deps.registry.metrics();
    return reply.type(deps.registry.contentType).send(body);
  });
}
