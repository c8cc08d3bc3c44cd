import type { FastifyInstance } from 'fastify';

import { AppError } from '../../domain/errors.js';
import type { ServerDeps } from '../ports.js';

/** The reload endpoint Prometheus and Alertmanager users know; a write, under the API's auth. */
export const RELOAD_PATH = '/-/reload';

/**
 * POST /-/reload: re-reads the configuration file and swaps it in (200 with what changed, the
 * removed targets whose jobs are dead-lettered later, and which settings need a restart), or keeps the running configuration and answers 422
 * `invalid_config` with every problem, key path first (docs/api.md).
 */
export function registerReloadRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.post(RELOAD_PATH, async () => {
    const result = await deps.reload();
    if (!result.ok) {
      throw new AppError('invalid_config', result.message, {
        details: result.problems.map((p) => ({ path: p.path, message: p.message })),
      });
    }
    return {
      status: 'reloaded',
      added: result.summary.added,
      removed: result.summary.removed,
      changed: result.summary.changed,
      dead_lettered: result.summary.deadLettered,
      dead_letter_deferred: result.summary.deadLetterDeferred,
      restart_required: result.restartRequired,
      max_alerts_bound: result.maxAlertsBound,
    };
  });
}
