import type { SlackTargetConfig } from '../config/targets.js';
import type { FailureReason } from '../domain/failure.js';
import type { Publisher, PublishOutcome } from '../domain/publisher.js';
import type { SecretMask } from '../domain/secret-mask.js';
import type { HttpResponse } from './http-result.js';
import { snippet, statusOutcome, transportOutcome } from './outcome.js';
import type { PublisherDeps } from './publisher-deps.js';
import { slackMessage } from './slack-message.js';

/**
 * Slack incoming webhook (https://api.slack.com/messaging/webhooks, errors:
 * https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks).
 * Success is HTTP 200 with the body `ok`; errors are a short code in the body. A 2xx whose
 * body is not `ok` is a failure. The webhook URL's path is the secret: it never appears in
 * messages, and the DLQ keeps only its host.
 */
const SLACK_CODES: Readonly<Record<string, FailureReason>> = {
  invalid_payload: 'invalid_payload',
  invalid_blocks: 'invalid_payload',
  invalid_blocks_format: 'invalid_payload',
  invalid_attachments: 'invalid_payload',
  missing_text_or_fallback_or_attachments: 'invalid_payload',
  too_many_attachments: 'invalid_payload',
  msg_too_long: 'invalid_payload',
  no_text: 'invalid_payload',
  user_not_found: 'client_error',
  channel_not_found: 'client_error',
  channel_is_archived: 'client_error',
  action_prohibited: 'client_error',
  posting_to_general_channel_denied: 'client_error',
  invalid_token: 'auth_error',
  token_revoked: 'auth_error',
  token_expired: 'auth_error',
  no_service: 'auth_error',
  no_service_id: 'auth_error',
  no_team: 'auth_error',
  team_disabled: 'auth_error',
  no_active_hooks: 'auth_error',
};

const CODE = /^[a-z][a-z0-9_]{1,80}$/;

function responseOutcome(response: HttpResponse, nowMs: number, mask: SecretMask): PublishOutcome {
  const body = response.body.trim();
  const is2xx = response.status >= 200 && response.status < 300;
  if (is2xx && body === 'ok') return { ok: true, status: response.status };
  const code = CODE.test(body) ? body : undefined;
  const reason = code === undefined ? undefined : SLACK_CODES[code];
  // A known code decides (Slack answers some of them with 200 or 500); 429 and 5xx otherwise
  // follow the status table, keeping Retry-After.
  if (reason !== undefined) {
    return {
      ok: false,
      type: 'permanent',
      reason,
      status: response.status,
      message: `Slack: ${code} (HTTP ${response.status})`,
    };
  }
  const detail = code === undefined ? snippet(body, mask) : `Slack: ${code}`;
  if (is2xx) {
    return {
      ok: false,
      type: 'unknown',
      reason: 'internal',
      status: response.status,
      message: `HTTP ${response.status} without "ok": ${detail}`,
    };
  }
  return statusOutcome(response, nowMs, () => detail);
}

export function createSlackPublisher(config: SlackTargetConfig, deps: PublisherDeps): Publisher {
  const headers = { 'content-type': 'application/json; charset=utf-8' };
  return {
    async publish(delivery, signal) {
      const body = JSON.stringify(slackMessage(delivery.alert, delivery.classification));
      const result = await deps.http.send({
        method: 'POST',
        url: config.url,
        headers,
        body,
        signal,
        timeoutMs: config.timeout,
      });
      if (!result.ok) return transportOutcome(result.failure, 'Slack request failed');
      return responseOutcome(result.response, deps.clock.now(), deps.mask);
    },
    close: () => Promise.resolve(),
  };
}
