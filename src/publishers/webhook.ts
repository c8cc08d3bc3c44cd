import type { WebhookTargetConfig } from '../config/targets.js';
import type { Alert } from '../domain/alert.js';
import type { Delivery, Publisher } from '../domain/publisher.js';
import { snippet, statusOutcome, transportOutcome } from './outcome.js';
import type { PublisherDeps } from './publisher-deps.js';
import { createSigner } from './standard-webhooks.js';

/**
 * Generic webhook: POST JSON to `url`.
 * - `format: webhook`: {"version": "1", job_id, target, priority, alert, classification?}
 * - `format: alertmanager`: an Alertmanager v4 webhook payload holding the one alert
 *   (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
 * An optional `secret` signs per Standard Webhooks (standard-webhooks.ts); `webhook-id` is
 * the job id, so a receiver can drop retried duplicates. Hot path of the engine bench: the
 * static headers are built once, the body is stringified once per attempt.
 */
function webhookBody(delivery: Delivery): object {
  const body: Record<string, unknown> = {
    version: '1',
    job_id: delivery.jobId,
    target: delivery.target,
    priority: delivery.priority,
    alert: delivery.alert,
  };
  if (delivery.classification !== undefined) body['classification'] = delivery.classification;
  return body;
}

function alertmanagerBody(delivery: Delivery): object {
  const alert: Alert = delivery.alert;
  const alertname = alert.labels['alertname'] ?? '';
  return {
    version: '4',
    groupKey: `{}:{alertname=${JSON.stringify(alertname)}, fingerprint="${alert.fingerprint}"}`,
    truncatedAlerts: 0,
    status: alert.status,
    receiver: delivery.target,
    groupLabels: { alertname },
    commonLabels: alert.labels,
    commonAnnotations: alert.annotations,
    externalURL: '',
    alerts: [alert],
  };
}

export function createWebhookPublisher(
  config: WebhookTargetConfig,
  deps: PublisherDeps,
): Publisher {
  const staticHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) {
    if (name.toLowerCase() !== 'content-type') staticHeaders[name] = value;
  }
  staticHeaders['content-type'] = 'application/json';
  const sign = config.secret === undefined ? undefined : createSigner(config.secret);
  const toBody = config.format === 'alertmanager' ? alertmanagerBody : webhookBody;

  return {
    async publish(delivery, signal) {
      const body = JSON.stringify(toBody(delivery));
      const headers =
        sign === undefined
          ? staticHeaders
          : { ...staticHeaders, ...sign(delivery.jobId, deps.clock.now(), body) };
      const result = await deps.http.send({
        method: 'POST',
        url: config.url,
        headers,
        body,
        signal,
        timeoutMs: config.timeout,
      });
      if (!result.ok) return transportOutcome(result.failure, 'webhook request failed');
      const { response } = result;
      return statusOutcome(response, deps.clock.now(), () => snippet(response.body, deps.mask));
    },
    close: () => Promise.resolve(),
  };
}
