import type { FastifyInstance } from 'fastify';

import { apiVerdict, bearerOf } from '../auth.js';
import type { ServerDeps } from '../ports.js';

/**
 * GET …/access: what the caller may do, judged by the rule every write is judged by, so a
 * client (the console) can disable what the API would refuse. Reading it needs read access.
 */
export function registerAccessRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get('/api/v2/publishing/access', (request) => {
    const verdict = apiVerdict(deps.auth, 'POST', bearerOf(request), request.ip);
    return {
      // A `loopback` caller is here past the Host check of auth.ts: its writes pass it too.
      can_write: verdict === 'allow' || verdict === 'loopback',
      auth_required: deps.auth.apiToken !== '' || deps.auth.readToken !== '',
      write_rule: deps.auth.apiToken === '' ? 'loopback_only' : 'api_token',
    };
  });
}
