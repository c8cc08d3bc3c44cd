import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

import { AppError } from '../../domain/errors.js';
import type { JobRequest } from '../../queue/publishing-engine.js';
import { admitted, jobRequests, refuseWhileDraining } from '../admission.js';
import type { ServerDeps } from '../ports.js';

/** POST /webhook (Alertmanager) and POST …/queue/submit (one alert, optional named targets). */
export function registerIngestRoutes(
  app: FastifyInstance,
  deps: ServerDeps,
  isDraining: () => boolean,
): void {
  app.post('/webhook', async (request, reply) => {
    refuseWhileDraining(isDraining);
    const parsed = deps.ingest.parseWebhook(request.body);
    if (!parsed.ok) {
      throw new AppError('invalid_request', parsed.message, { details: parsed.details });
    }
    if (parsed.rejected.length > 0) {
      deps.metrics.alertsReceived('rejected', parsed.rejected.length);
      request.log.warn({ rejected: parsed.rejected }, 'webhook alerts rejected');
    }
    if (parsed.alerts.length === 0 && parsed.rejected.length > 0) {
      throw new AppError('invalid_request', 'every alert of the payload is invalid', {
        details: parsed.rejected.map((r) => ({
          path: `body.alerts.${r.index}`,
          message: r.reason,
        })),
      });
    }
    const requests: JobRequest[] = [];
    let unrouted = 0;
    for (const alert of parsed.alerts) {
      const targets = deps.ingest.route(alert);
      if (targets.length === 0) {
        unrouted += 1;
        logUnrouted(request.log, alert.labels['alertname'] ?? '', alert.fingerprint);
      }
      requests.push(...jobRequests(alert, targets));
    }
    const jobIds = requests.length === 0 ? [] : admitted(deps.engine.submit(requests));
    deps.metrics.alertsReceived('routed', parsed.alerts.length - unrouted);
    deps.metrics.alertsReceived('unrouted', unrouted);
    return reply.code(202).send({ job_ids: jobIds, rejected: parsed.rejected });
  });

  app.post('/api/v2/publishing/queue/submit', async (request, reply) => {
    refuseWhileDraining(isDraining);
    const parsed = deps.ingest.parseSubmit(request.body);
    if (!parsed.ok) {
      throw new AppError('invalid_request', parsed.message, { details: parsed.details });
    }
    const { alert, classification, targets } = parsed.request;
    const names = targets === undefined ? deps.ingest.route(alert) : enabledNamed(deps, targets);
    if (names.length === 0) {
      deps.metrics.alertsReceived('unrouted', 1);
      logUnrouted(request.log, alert.labels['alertname'] ?? '', alert.fingerprint);
      return reply.code(202).send({ job_ids: [] });
    }
    const extra = classification === undefined ? {} : { classification };
    const jobIds = admitted(deps.engine.submit(jobRequests(alert, names, extra)));
    deps.metrics.alertsReceived('routed', 1);
    return reply.code(202).send({ job_ids: jobIds });
  });
}

/** Named targets must all exist (400 naming the first unknown); disabled ones get no job. */
function enabledNamed(deps: ServerDeps, names: readonly string[]): string[] {
  const enabled: string[] = [];
  for (const [index, name] of names.entries()) {
    const target = deps.targets.get(name);
    if (target === undefined) {
      throw new AppError('invalid_request', `target "${name}" is not configured`, {
        details: [{ path: `body.targets.${index}`, message: `unknown target "${name}"` }],
      });
    }
    if (target.enabled && !enabled.includes(name)) enabled.push(name);
  }
  return enabled;
}

function logUnrouted(log: FastifyBaseLogger, alertname: string, fingerprint: string): void {
  log.info({ alertname, fingerprint }, 'alert matches no target');
}
