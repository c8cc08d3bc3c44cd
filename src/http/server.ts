import type { AddressInfo } from 'node:net';

import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';

import { createAuthHook } from './auth.js';
import { connectionOptions, limitConnections } from './connection-limits.js';
import { createCrossSiteHook } from './cross-site.js';
import { createErrorHandler, envelope, sendError } from './errors.js';
import { listenUrl } from './listen-url.js';
import { recordRouteMethods } from './method-not-allowed.js';
import type { ServerDeps } from './ports.js';
import { applyQueryRules } from './query-rules.js';
import { createRefusalLog } from './refusal-log.js';
import { registerRequestBodies } from './request-body.js';
import { registerAccessRoutes } from './routes/access-routes.js';
import { registerAlertRoutes } from './routes/alert-routes.js';
import { registerConsoleRoutes } from './routes/console-routes.js';
import { registerDlqRoutes } from './routes/dlq-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerHistoryRoutes } from './routes/history-routes.js';
import { registerIngestRoutes } from './routes/ingest-routes.js';
import { registerQueueRoutes } from './routes/queue-routes.js';
import { registerReloadRoutes } from './routes/reload-routes.js';
import { registerTargetRoutes } from './routes/target-routes.js';

export interface HttpServer {
  readonly fastify: FastifyInstance;
  /** Resolves with the base URL once listening (port 0 picks a free port). */
  listen(host: string, port: number): Promise<string>;
  /** Stop admitting: webhook, submit and replay answer 503 + Retry-After, /readyz 503. */
  drain(): void;
  close(): Promise<void>;
}

export function createServer(deps: ServerDeps, logger: FastifyBaseLogger): HttpServer {
  let draining = false;
  const isDraining = (): boolean => draining;
  const fastify = Fastify({
    loggerInstance: logger,
    // Per-request lines are logged below at a level that depends on the status.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes,
    ...connectionOptions(deps.connections),
    return503OnClosing: true,
    // strictNumbers: a JSON body's 1e999 (Infinity) is not a number; queries: query-rules.ts.
    ajv: { customOptions: { removeAdditional: false, allErrors: false, strictNumbers: true } },
  });

  // The API speaks UTF-8 JSON only (request-body.ts): anything else is a 415.
  registerRequestBodies(fastify);
  // Alertmanager retries a refused webhook every few seconds: summarised, not a line each.
  const refusals = createRefusalLog(logger, deps.now);
  const isWebhook = (request: FastifyRequest): boolean => request.routeOptions.url === '/webhook';
  fastify.setErrorHandler(
    createErrorHandler(logger, deps.admissionRetryAfterMs, (request, code, message) => {
      if (isWebhook(request)) refusals.refused(code, message);
    }),
  );
  const routeMethods = recordRouteMethods(fastify);
  applyQueryRules(fastify);
  fastify.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    const allowed = routeMethods.allowed(path);
    if (allowed.length === 0) {
      return sendError(reply, 404, envelope('not_found', `no route ${request.method} ${path}`));
    }
    void reply.header('allow', allowed.join(', '));
    const message = `${path} answers ${allowed.join(', ')}, not ${request.method}`;
    return sendError(reply, 405, envelope('method_not_allowed', message));
  });
  // First: a connection over the cap serves health routes only, whatever its credentials.
  limitConnections(fastify, deps.connections, logger);
  fastify.addHook('onRequest', createAuthHook(deps.auth, deps.allowedHosts));
  fastify.addHook('onRequest', createCrossSiteHook());
  fastify.addHook('onResponse', async (request, reply) => {
    const line = {
      method: request.method,
      url: request.url.split('?', 1)[0],
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime),
    };
    // A 503 (draining, full, database outage) is expected and says so in its body: info; on
    // /webhook, debug (the refusal log summarises those).
    if (reply.statusCode >= 500 && reply.statusCode !== 503) request.log.warn(line, 'request');
    else if (reply.statusCode === 503 && isWebhook(request)) request.log.debug(line, 'request');
    else if (reply.statusCode >= 400) request.log.info(line, 'request');
    else request.log.debug(line, 'request');
  });

  registerIngestRoutes(fastify, deps, isDraining, refusals);
  registerQueueRoutes(fastify, deps);
  registerDlqRoutes(fastify, deps, isDraining);
  registerAlertRoutes(fastify, deps);
  registerTargetRoutes(fastify, deps);
  registerHealthRoutes(fastify, deps, isDraining);
  registerHistoryRoutes(fastify, deps);
  registerAccessRoutes(fastify, deps);
  registerConsoleRoutes(fastify, deps);
  registerReloadRoutes(fastify, deps);

  return {
    fastify,
    async listen(host, port) {
      await fastify.listen({ host, port });
      const address = fastify.server.address();
      if (address === null || typeof address === 'string') return listenUrl(host, port);
      return listenUrl((address satisfies AddressInfo).address, address.port);
    },
    drain() {
      draining = true;
    },
    async close() {
      await fastify.close();
    },
  };
}
