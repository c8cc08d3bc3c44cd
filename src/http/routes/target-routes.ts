import type { FastifyInstance } from 'fastify';

import { AppError } from '../../domain/errors.js';
import type { ServerDeps } from '../ports.js';
import { nameParams } from '../schemas.js';
import { targetTestView, targetView } from '../views.js';

const BASE = '/api/v2/publishing/targets';

export function registerTargetRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get(BASE, () => ({ targets: deps.targets.list().map(targetView) }));

  app.get<{ Params: { name: string } }>(
    `${BASE}/:name`,
    { schema: { params: nameParams } },
    (request) => {
      const target = deps.targets.get(request.params.name);
      if (target === undefined) {
        throw new AppError('not_found', `target "${request.params.name}" is not configured`);
      }
      return targetView(target);
    },
  );

  app.post<{ Params: { name: string } }>(
    `${BASE}/:name/test`,
    { schema: { params: nameParams } },
    async (request) => {
      const result = await deps.targets.test(request.params.name);
      return targetTestView(request.params.name, result);
    },
  );
}
