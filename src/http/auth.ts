import { createHash, timingSafeEqual } from 'node:crypto';

import type { FastifyReply, FastifyRequest } from 'fastify';

import { envelope, sendError } from './errors.js';
import type { Auth } from './ports.js';
import { foreignHostMessage, namesThisServer } from './server-host.js';

/** Compares digests so neither the content nor the length of a token leaks through timing. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** The routes under the API's auth: /api/* and the config reload (a write like any other). */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === '/-/reload';
}

function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/**
 * `loopback`: allowed only because the client is on loopback and showed no valid token. The
 * hook then asks that its Host header name this server: a page whose DNS name was re-pointed to
 * 127.0.0.1 (DNS rebinding) is same-origin to the browser and reaches us from loopback, but its
 * requests carry its own name (docs/security.md).
 */
type Verdict = 'allow' | 'loopback' | 'unauthorized' | 'forbidden';

/**
 * docs/api.md: api_token guards /api/*; read_token may only read (403 on a write, from any
 * address); with no api_token, other writes answer loopback clients only (the socket address:
 * X-Forwarded-For is not trusted). With no token at all, reads are open; from loopback they are
 * `loopback` too, as a rebinding page would read.
 */
export function apiVerdict(
  auth: Auth,
  method: string,
  token: string | undefined,
  ip: string,
): Verdict {
  const isApi = auth.apiToken !== '' && token !== undefined && tokensEqual(token, auth.apiToken);
  const isReader =
    auth.readToken !== '' && token !== undefined && tokensEqual(token, auth.readToken);
  if (isRead(method)) {
    if (isApi || isReader) return 'allow';
    if (auth.apiToken !== '' || auth.readToken !== '') return 'unauthorized';
    return isLoopback(ip) ? 'loopback' : 'allow';
  }
  if (isApi) return 'allow';
  // Whoever holds the read token was given reads only, wherever it connects from: from
  // loopback too, where a client showing no token may write.
  if (isReader) return 'forbidden';
  if (auth.apiToken !== '') return 'unauthorized';
  return isLoopback(ip) ? 'loopback' : 'forbidden';
}

export function webhookVerdict(auth: Auth, token: string | undefined): Verdict {
  if (auth.webhookToken === '') return 'allow';
  return token !== undefined && tokensEqual(token, auth.webhookToken) ? 'allow' : 'unauthorized';
}

function refuse(
  reply: FastifyReply,
  verdict: Exclude<Verdict, 'allow' | 'loopback'>,
): FastifyReply {
  if (verdict === 'unauthorized') {
    void reply.header('www-authenticate', 'Bearer');
    return sendError(reply, 401, envelope('unauthorized', 'missing or invalid bearer token'));
  }
  return sendError(
    reply,
    403,
    envelope('forbidden', 'this token or client may not change state (see auth.api_token)'),
  );
}

/**
 * An onRequest hook: answers 401/403 itself, otherwise lets the request through. It decides on
 * the *matched route*, not the raw URL: Fastify decodes `/%61pi/…` to `/api/…` before routing,
 * so a raw-URL check could be bypassed by percent-encoding. Unmatched URLs fall through to 404.
 * A request let in for being from loopback must name this server in Host (`allowedHosts` =
 * server.allowed_hosts besides the loopback names), or it is a 403 naming its Host.
 */
export function createAuthHook(auth: Auth, allowedHosts: readonly string[]) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    const path = request.routeOptions.url ?? '';
    let verdict: Verdict = 'allow';
    if (isApiPath(path)) {
      verdict = apiVerdict(auth, request.method, bearerOf(request), request.ip);
    } else if (path === '/webhook') {
      verdict = webhookVerdict(auth, bearerOf(request));
    }
    if (verdict === 'loopback') {
      const { host } = request.headers;
      if (namesThisServer(host, allowedHosts)) return;
      return sendError(reply, 403, envelope('forbidden', foreignHostMessage(host)));
    }
    if (verdict !== 'allow') return refuse(reply, verdict);
  };
}
