import type { FastifyReply, FastifyRequest } from 'fastify';

import { isApiPath } from './auth.js';
import { envelope, sendError } from './errors.js';

type Headers = FastifyRequest['headers'];

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch (error: unknown) {
    // `null` (sandboxed frames, data: URLs) and garbage name no origin: treated as foreign.
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

/**
 * docs/api.md, "Cross-site requests": true when a browser says this request was made by a page
 * of another origin. `Sec-Fetch-Site` (sent by current browsers) must be `same-origin` or `none`
 * (typed by the user); `Origin`, when present, must name the host the request was sent to.
 * Non-browser clients (CLI, curl, Alertmanager) send neither header.
 */
export function isCrossSite(headers: Headers): boolean {
  const site = single(headers['sec-fetch-site']);
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = single(headers.origin);
  if (origin === undefined) return false;
  const host = single(headers.host)?.toLowerCase();
  return host === undefined || hostOf(origin) !== host;
}

function isWrite(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

/**
 * An onRequest hook: a write to /api/* that carries no Authorization header and comes from a
 * page of another origin is refused with 403. Without a token the API lets loopback clients
 * write, and an operator's browser on loopback is such a client: without this, any web page it
 * opens could replay or purge with a form or a no-cors fetch. A Bearer header cannot be added
 * to a cross-origin request without a CORS preflight, which this server never grants.
 */
export function createCrossSiteHook() {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    const path = request.routeOptions.url ?? '';
    if (!isApiPath(path) || !isWrite(request.method)) return;
    if (request.headers.authorization !== undefined || !isCrossSite(request.headers)) return;
    return sendError(
      reply,
      403,
      envelope(
        'forbidden',
        'a write from a page of another origin is refused (send a Bearer token, or use the console at /ui/)',
      ),
    );
  };
}
