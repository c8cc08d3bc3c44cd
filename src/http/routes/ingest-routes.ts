import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

import type { Alert } from '../../domain/alert.js';
import type { ErrorDetail } from '../../domain/errors.js';
import { AppError } from '../../domain/errors.js';
import { admitted, refuseWhileDraining } from '../admission.js';
import type { RouteResult } from '../../ingest/route.js';
import type { ServerDeps } from '../ports.js';
import type { RefusalLog } from '../refusal-log.js';

/** Ingest paths are relative to the body; the envelope names where they are. */
function bodyDetails(details: readonly ErrorDetail[]): ErrorDetail[] {
  return details.map((detail) => ({
    path: detail.path === '' ? 'body' : `body.${detail.path}`,
    message: detail.message,
  }));
}

function invalid(details: readonly ErrorDetail[]): AppError {
  const scoped = bodyDetails(details);
  const first = scoped[0];
  const message = first === undefined ? 'invalid request' : `${first.path}: ${first.message}`;
  return new AppError('invalid_request', message, { details: scoped });
}

function routed(result: RouteResult): Extract<RouteResult, { ok: true }> {
  if (result.ok) return result;
  throw new AppError('invalid_request', result.message, {
    details: [{ path: 'body.targets', message: result.message }],
  });
}

function logUnrouted(log: FastifyBaseLogger, alerts: readonly Alert[]): void {
  for (const alert of alerts) {
    log.info(
      { alertname: alert.labels['alertname'] ?? '', fingerprint: alert.fingerprint },
      'alert matches no target',
    );
  }
}

/** POST /webhook (Alertmanager) and POST …/queue/submit (one alert, optional named targets). */
export function registerIngestRoutes(
  app: FastifyInstance,
  deps: ServerDeps,
  isDraining: () => boolean,
  refusals: RefusalLog,
): void {
  app.post('/webhook', async (request, reply) => {
    refuseWhileDraining(isDraining, deps.admissionRetryAfterMs);
    const parsed = deps.ingest.parseWebhook(request.body);
    if (!parsed.ok) {
      // An all-invalid payload: every alert counts as rejected (a non-payload counts none). A
      // 400 is final (Alertmanager retries no 4xx), so they are counted once.
      const rejectedAlerts = parsed.details.filter((d) => /^alerts\[\d+\]/.test(d.path)).length;
      deps.metrics.alertsReceived('rejected', rejectedAlerts);
      throw invalid(parsed.details);
    }
    // Each reason starts with its path, named from the envelope like a 400's details.
    const rejected = parsed.rejected.map((r) => ({ index: r.index, reason: `body.${r.reason}` }));
    if (rejected.length > 0) request.log.warn({ rejected }, 'webhook alerts rejected');
    if (parsed.truncated > 0) {
      // Never received: Alertmanager's max_alerts cut them from the group (docs/operations.md).
      request.log.warn(
        { truncated_alerts: parsed.truncated },
        'Alertmanager left alerts out of a webhook (truncatedAlerts): raise its max_alerts up to the bound config check prints',
      );
    }
    const { requests, unrouted } = routed(deps.ingest.route(parsed.alerts));
    const jobIds = requests.length === 0 ? [] : admitted(await deps.engine.submit(requests));
    // Counted once the request is taken: one refused whole (413, 503) counts nothing, so the
    // alerts of a 503 that Alertmanager sends again are not counted twice.
    deps.metrics.alertsReceived('routed', parsed.alerts.length - unrouted.length);
    deps.metrics.alertsReceived('unrouted', unrouted.length);
    deps.metrics.alertsReceived('rejected', rejected.length);
    deps.metrics.alertsReceived('truncated', parsed.truncated);
    logUnrouted(request.log, unrouted);
    refusals.accepted();
    return reply.code(202).send({ job_ids: jobIds, rejected });
  });

  app.post('/api/v2/publishing/queue/submit', async (request, reply) => {
    refuseWhileDraining(isDraining, deps.admissionRetryAfterMs);
    const parsed = deps.ingest.parseSubmit(request.body);
    if (!parsed.ok) throw invalid(parsed.details);
    const { alert, classification, targets } = parsed.request;
    const options = {
      ...(classification === undefined ? {} : { classification }),
      ...(targets === undefined ? {} : { targetNames: targets }),
    };
    const { requests, unrouted } = routed(deps.ingest.route([alert], options));
    const jobIds = requests.length === 0 ? [] : admitted(await deps.engine.submit(requests));
    deps.metrics.alertsReceived(unrouted.length === 0 ? 'routed' : 'unrouted', 1);
    logUnrouted(request.log, unrouted);
    return reply.code(202).send({ job_ids: jobIds });
  });
}
