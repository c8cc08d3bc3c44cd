import { createHash } from 'node:crypto';

import type { TargetConfig } from '../config/targets.js';
import type { Clock, Logger } from '../domain/clock.js';
import type { Publisher } from '../domain/publisher.js';
import { redactTargetConfig } from '../domain/redact.js';
import type { SecretMask } from '../domain/secret-mask.js';
import type { RetryPolicy, Target } from '../domain/target.js';
import type { HttpClient } from './http-client.js';
import { createLogPublisher } from './log.js';
import { createPagerdutyPublisher } from './pagerduty.js';
import type { PublisherDeps } from './publisher-deps.js';
import { createRootlyPublisher } from './rootly.js';
import { withSafeMessages } from './safe-messages.js';
import type { RootlyAlertIds } from './rootly-alert-ids.js';
import { createSlackPublisher } from './slack.js';
import { createWebhookPublisher } from './webhook.js';

/**
 * Target config → Target. Adding a target type = one publisher file + one case here + one
 * union member in config/targets.ts + its test; the switch fails to compile until all agree.
 */
export interface TargetDeps {
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  rootlyAlertIds: RootlyAlertIds;
  /** Every configured secret (config/config-secrets.ts), hidden in every outcome message. */
  mask: SecretMask;
}

function publisherFor(config: TargetConfig, deps: TargetDeps): Publisher {
  const base: PublisherDeps = {
    http: deps.http,
    clock: deps.clock,
    logger: deps.logger,
    mask: deps.mask,
  };
  switch (config.type) {
    case 'webhook':
      return createWebhookPublisher(config, base);
    case 'slack':
      return createSlackPublisher(config, base);
    case 'pagerduty':
      return createPagerdutyPublisher(config, base);
    case 'rootly':
      return createRootlyPublisher(config, { ...base, alertIds: deps.rootlyAlertIds });
    case 'log':
      return createLogPublisher(config, base);
    default: {
      // Never reached while the union and this switch agree; no config in the message (secrets).
      const unknownType: never = config;
      return unknownType;
    }
  }
}

/**
 * The address a target sends to, the one thing a new value of which makes it another endpoint
 * with its own health (a fresh breaker at reload). A routing key, token, header or secret does
 * not: a receiver that rejects them answers 4xx, which the breaker ignores (verdictOf).
 */
function addressOf(config: TargetConfig): string {
  switch (config.type) {
    case 'webhook':
    case 'slack':
    case 'pagerduty':
    case 'rootly':
      return config.url;
    case 'log':
      return config.path;
    default: {
      const unknownType: never = config;
      return unknownType;
    }
  }
}

/** Target.endpoint: type and address, digested (a Slack URL's path is a secret). */
function endpointOf(config: TargetConfig): string {
  const key = JSON.stringify([config.type, addressOf(config)]);
  return createHash('sha256').update(key).digest('hex');
}

/** `retry` is the target's policy, resolved by the composition root (config/retry-policy.ts). */
export function createTarget(config: TargetConfig, retry: RetryPolicy, deps: TargetDeps): Target {
  const target: Target = {
    name: config.name,
    type: config.type,
    enabled: config.enabled,
    publisher: withSafeMessages(publisherFor(config, deps), deps.mask),
    endpoint: endpointOf(config),
    timeoutMs: config.timeout,
    retry,
    redactedConfig: redactTargetConfig(config),
  };
  if (config.rate_limit !== undefined) target.rateLimit = config.rate_limit;
  const resendAfterMs = config.resend_after ?? 0;
  if (resendAfterMs > 0) target.resendAfterMs = resendAfterMs;
  return target;
}
