import type { Socket } from 'node:net';

import type { FastifyInstance, FastifyServerOptions } from 'fastify';

import type { Logger } from '../domain/clock.js';
import { envelope, sendError } from './errors.js';

/**
 * Every phase of a connection has a time limit and their number a cap (docs/security.md):
 * a client that sends headers slowly, part of a body and then nothing, or stops reading its
 * answer, is closed; one that opens connections by the thousand is refused past the cap
 * instead of exhausting the process's file descriptors.
 */
export interface ConnectionLimits {
  /** Open connections served normally (`server.max_connections`). */
  maxConnections: number;
  /** From the first byte to the end of the body (`server.request_timeout`); then 408. */
  requestTimeoutMs: number;
  /** From the first byte to the end of the headers (`server.headers_timeout`); then 408. */
  headersTimeoutMs: number;
  /** Between two requests on a kept-alive connection (`server.keep_alive_timeout`). */
  keepAliveTimeoutMs: number;
  /** No byte either way for this long closes the connection (`server.idle_timeout`). */
  idleTimeoutMs: number;
}

/**
 * Connections accepted beyond the cap for liveness, readiness and scrapes only. Each serves
 * one request and closes; one that sends nothing within RESERVE_IDLE_MS is closed, so clients
 * that merely hold connections cannot keep /healthz from answering.
 */
export const HEALTH_RESERVE = 16;
export const RESERVE_IDLE_MS = 2_000;
const HEALTH_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** Fastify's options for the limits. Node checks the request and header limits every interval. */
export function connectionOptions(limits: ConnectionLimits): Pick<
  FastifyServerOptions,
  'requestTimeout' | 'keepAliveTimeout' | 'connectionTimeout'
> & {
  http: { headersTimeout: number; connectionsCheckingInterval: number };
} {
  const shortest = Math.min(limits.requestTimeoutMs, limits.headersTimeoutMs);
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(shortest / 4))),
    },
  };
}

/**
 * Caps open connections at `maxConnections` plus HEALTH_RESERVE (Node refuses any further
 * one at once). A connection opened at the cap serves only HEALTH_PATHS; anything else there
 * is answered 503 with Retry-After. Reaching the cap is logged once, with what happens next;
 * leaving it is logged with how many connections and requests were refused meanwhile.
 */
export function limitConnections(
  fastify: FastifyInstance,
  limits: ConnectionLimits,
  logger: Logger,
): void {
  const { server } = fastify;
  server.maxConnections = limits.maxConnections + HEALTH_RESERVE;
  const reserved = new WeakSet<Socket>();
  let open = 0;
  let atCap = false;
  let refused = 0;

  server.on('connection', (socket: Socket) => {
    open += 1;
    socket.once('close', () => {
      open -= 1;
      if (atCap && open < limits.maxConnections) {
        atCap = false;
        logger.info(
          { open, refused, max_connections: limits.maxConnections },
          'connections below server.max_connections again',
        );
        refused = 0;
      }
    });
    if (open <= limits.maxConnections) return;
    reserved.add(socket);
    socket.setTimeout(RESERVE_IDLE_MS, () => socket.destroy());
    if (!atCap) {
      atCap = true;
      logger.warn(
        { max_connections: limits.maxConnections, health_reserve: HEALTH_RESERVE },
        'connection cap reached (server.max_connections): idle kept-alive connections closed; new connections serve /healthz, /readyz and /metrics only, then are refused',
      );
    }
    // Free the slots of kept-alive connections that wait for nothing.
    server.closeIdleConnections();
  });
  server.on('drop', () => {
    refused += 1;
  });

  fastify.addHook('onRequest', async (request, reply) => {
    if (!reserved.has(request.raw.socket)) return;
    void reply.header('connection', 'close');
    if (HEALTH_PATHS.has(request.url.split('?', 1)[0] ?? '')) return;
    refused += 1;
    return sendError(
      reply,
      503,
      envelope('unavailable', 'the server is at its connection limit (server.max_connections)'),
      1_000,
    );
  });
}
