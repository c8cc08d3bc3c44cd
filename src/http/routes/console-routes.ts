import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { envelope, sendError } from '../errors.js';
import type { ServerDeps, StaticAsset } from '../ports.js';

/**
 * The console's pages run this page's scripts only, talk to this origin only, and cannot be
 * framed (clickjacking of the replay and purge buttons).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Console not built</title>
<h1>The console is not built</h1><p>Run <code>npm run build</code> (or <code>npm start</code>, which builds it) and reload.</p></html>`;

function accepts(request: FastifyRequest, encoding: string): boolean {
  const header = request.headers['accept-encoding'];
  return typeof header === 'string' && header.split(',').some((e) => e.trim().startsWith(encoding));
}

function send(request: FastifyRequest, reply: FastifyReply, asset: StaticAsset): FastifyReply {
  void reply
    .headers(SECURITY_HEADERS)
    .header('content-type', asset.contentType)
    .header('etag', asset.etag)
    .header('vary', 'accept-encoding')
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  if (accepts(request, 'gzip')) {
    return reply.header('content-encoding', 'gzip').send(asset.gzipped);
  }
  return reply.send(asset.body);
}

/**
 * GET /ui/…: a file of the built console, or its index.html for a page's path (the console
 * routes in the browser). A path naming a file (it has an extension) that is not one is 404.
 */
export function registerConsoleRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get('/ui', (_request, reply) => reply.redirect('/ui/', 308));
  app.get('/', (_request, reply) => reply.redirect('/ui/', 302));
  app.get('/ui/*', (request: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    const assets = deps.consoleAssets;
    if (assets === undefined) {
      return reply
        .code(503)
        .headers(SECURITY_HEADERS)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(NOT_BUILT);
    }
    const path = request.params['*'];
    const asset = assets.get(path);
    if (asset !== undefined) return send(request, reply, asset);
    const last = path.split('/').pop() ?? '';
    const index = assets.get('index.html');
    if (last.includes('.') || index === undefined) {
      return sendError(reply, 404, envelope('not_found', `no console file /ui/${path}`));
    }
    return send(request, reply, index);
  });
}
