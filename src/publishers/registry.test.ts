import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { createFakeClock } from '../../test/support/fake-clock.js';
import { targetSchema } from '../config/targets.js';
import type { Logger } from '../domain/clock.js';
import type { RetryPolicy } from '../domain/target.js';
import { createHttpClient } from './http-client.js';
import { applyRetryOverride } from '../config/retry-policy.js';
import { createTarget } from './registry.js';
import { createMemoryRootlyAlertIds } from './rootly-alert-ids.js';
import { createSecretMask } from '../domain/secret-mask.js';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const http = createHttpClient();
const retryDefaults: RetryPolicy = {
  maxRetries: 3,
  baseMs: 2_000,
  factor: 2,
  maxDelayMs: 30_000,
  jitterMs: 1_000,
  maxRetryAfterMs: 300_000,
  maxJobAgeMs: 3_600_000,
};
const deps = {
  http,
  clock: createFakeClock(),
  logger,
  rootlyAlertIds: createMemoryRootlyAlertIds(),
  mask: createSecretMask([]),
};

const configs = [
  {
    name: 'audit',
    type: 'webhook',
    url: 'https://audit.example/a',
    secret: 'whsec_c2VjcmV0c2VjcmV0',
    headers: { Authorization: 'Bearer hdr-secret' },
  },
  { name: 'chat', type: 'slack', url: 'https://hooks.slack.com/services/T1/B2/slack-secret' },
  { name: 'oncall', type: 'pagerduty', routing_key: 'pd-routing-secret-0123456789abcd' },
  { name: 'incidents', type: 'rootly', token: 'rootly-token-secret' },
  { name: 'demo', type: 'log' },
];

describe('createTarget', () => {
  after(() => http.close());

  for (const raw of configs) {
    it(`builds a ${raw.type} target with its timeout, policy and a secret-free config`, () => {
      const target = createTarget(targetSchema.parse(raw), retryDefaults, deps);
      assert.equal(target.name, raw.name);
      assert.equal(target.type, raw.type);
      assert.equal(target.enabled, true);
      assert.equal(target.timeoutMs, 10_000);
      assert.deepEqual(target.retry, retryDefaults);
      assert.equal(typeof target.publisher.publish, 'function');
      assert.doesNotMatch(JSON.stringify(target.redactedConfig), /-secret|c2VjcmV0/);
    });
  }

  it('applies per-target retry overrides key by key, durations in ms', () => {
    const config = targetSchema.parse({
      name: 'pd',
      type: 'pagerduty',
      routing_key: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      timeout: '3s',
      enabled: false,
      retry: { max_retries: 8, max_delay: '5m' },
    });
    const target = createTarget(config, applyRetryOverride(config.retry, retryDefaults), deps);
    assert.equal(target.timeoutMs, 3_000);
    assert.equal(target.enabled, false);
    assert.deepEqual(target.retry, { ...retryDefaults, maxRetries: 8, maxDelayMs: 300_000 });
  });

  it('keeps only the host of a Slack URL in the redacted config', () => {
    const target = createTarget(targetSchema.parse(configs[1]), retryDefaults, deps);
    assert.equal(target.redactedConfig['url'], 'https://hooks.slack.com');
  });

  it('gives a target another endpoint only for another type or address', () => {
    const endpoint = (raw: Record<string, unknown>): string =>
      createTarget(targetSchema.parse(raw), retryDefaults, deps).endpoint;
    const pd = { name: 'oncall', type: 'pagerduty', routing_key: 'a'.repeat(32) };
    assert.equal(
      endpoint({ ...pd, routing_key: 'b'.repeat(32), match: ['team="db"'], timeout: '3s' }),
      endpoint(pd),
      'the same Events API',
    );
    assert.notEqual(
      endpoint({ ...pd, url: 'https://events.eu.pagerduty.com/v2/enqueue' }),
      endpoint(pd),
    );
    const hook = { name: 'audit', type: 'webhook', url: 'https://audit.example/a' };
    assert.equal(
      endpoint({ ...hook, headers: { 'X-Team': 'db' }, enabled: false }),
      endpoint(hook),
    );
    assert.notEqual(endpoint({ ...hook, url: 'https://audit.example/b' }), endpoint(hook));
    assert.notEqual(endpoint({ ...hook, type: 'slack' }), endpoint(hook));
    const log = { name: 'demo', type: 'log' };
    assert.notEqual(endpoint({ ...log, path: '/tmp/demo.jsonl' }), endpoint(log));
    assert.doesNotMatch(endpoint(configs[1] ?? {}), /slack-secret/);
  });
});
