import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { createFakeClock } from '../../test/support/fake-clock.js';
import { startTargetServer } from '../../test/support/target-server.js';
import type { TargetServer } from '../../test/support/target-server.js';
import { targetSchema } from '../config/targets.js';
import type { Logger } from '../domain/clock.js';
import type { RetryPolicy } from '../domain/target.js';
import { createHttpClient } from './http-client.js';
import { createTarget } from './registry.js';
import { createMemoryRootlyAlertIds } from './rootly-alert-ids.js';
import { testTarget } from './test-target.js';
import { secretsOf } from '../domain/redact.js';
import { createSecretMask } from '../domain/secret-mask.js';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const http = createHttpClient();
const retryDefaults: RetryPolicy = {
  maxRetries: 3,
  baseMs: 1,
  factor: 2,
  maxDelayMs: 1,
  jitterMs: 0,
  maxRetryAfterMs: 1,
  maxJobAgeMs: 1,
};

describe('testTarget', () => {
  let server: TargetServer;
  const clock = createFakeClock();
  let ids = 0;
  const newId = (): string => `test-${(ids += 1)}`;
  const targetFor = (raw: Record<string, unknown>) =>
    createTarget(targetSchema.parse(raw), retryDefaults, {
      http,
      clock,
      logger,
      rootlyAlertIds: createMemoryRootlyAlertIds(),
      mask: createSecretMask(secretsOf(raw)),
    });

  before(async () => {
    server = await startTargetServer();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });
  after(async () => {
    await server.close();
    await http.close();
  });

  it('sends a clearly labelled synthetic alert and reports status and message', async () => {
    const result = await testTarget(
      targetFor({ name: 'audit', type: 'webhook', url: server.url }),
      { clock, newId },
    );
    assert.deepEqual(result, { ok: true, status: 200, latency_ms: 0, message: 'delivered' });
    const body = JSON.stringify(server.requests[0]?.json);
    assert.match(body, /"alertname":"AlertPublisherTest"/);
    assert.match(body, /Test alert from alert-publisher for target \\"audit\\"/);
  });

  it('sends PagerDuty an info trigger and resolves it at once', async () => {
    server.respond(
      { status: 202, body: { status: 'success', message: 'Event processed' } },
      { status: 202, body: { status: 'success', message: 'Event processed' } },
    );
    const result = await testTarget(
      targetFor({
        name: 'oncall',
        type: 'pagerduty',
        routing_key: 'rk-123456-0123456789abcdef012345',
        url: server.url,
      }),
      { clock, newId },
    );
    assert.equal(result.ok, true);
    assert.equal(result.message, 'PagerDuty: Event processed; resolved at once');
    const [trigger, resolve] = server.requests.map((r) => r.json);
    assert.match(JSON.stringify(trigger), /"event_action":"trigger".*"severity":"info"/);
    assert.match(JSON.stringify(resolve), /"event_action":"resolve"/);
    const dedup = (value: unknown): unknown =>
      typeof value === 'object' && value !== null ? Reflect.get(value, 'dedup_key') : undefined;
    assert.equal(dedup(trigger), dedup(resolve));
  });

  it('sends Rootly an info alert built as the publisher builds it (source alertmanager) and resolves it at once', async () => {
    server.respond(
      { status: 201, body: { data: { id: 'r-1', type: 'alerts' } } },
      { status: 200, body: { data: { id: 'r-1', type: 'alerts' } } },
    );
    const result = await testTarget(
      targetFor({ name: 'incidents', type: 'rootly', token: 'rootly-tok-1', url: server.url }),
      { clock, newId },
    );
    assert.equal(result.ok, true);
    assert.equal(result.message, 'created Rootly alert r-1; resolved at once');
    const [create, resolve] = server.requests;
    const { attributes } = (create?.json as { data: { attributes: Record<string, unknown> } }).data;
    assert.equal(attributes['source'], 'alertmanager');
    assert.match(JSON.stringify(attributes['labels']), /\{"key":"severity","value":"info"\}/);
    assert.equal(resolve?.path, '/v1/alerts/r-1/resolve');
  });

  it('hides a token the target echoes back, and any other configured secret (issue 14, defect 3)', async () => {
    server.respond({ status: 400, body: 'rejected token S3CR3T-AAA; also saw ROOTLY-GGG-1' });
    const raw = {
      name: 'audit',
      type: 'webhook',
      url: server.url,
      headers: { Authorization: 'Bearer S3CR3T-AAA' },
    };
    const target = createTarget(targetSchema.parse(raw), retryDefaults, {
      http,
      clock,
      logger,
      rootlyAlertIds: createMemoryRootlyAlertIds(),
      // As app.ts builds it: the secrets of every target, not only this one's.
      mask: createSecretMask([...secretsOf(raw), 'ROOTLY-GGG-1']),
    });
    const result = await testTarget(target, { clock, newId });
    assert.equal(
      result.message,
      'permanent/client_error: HTTP 400: rejected token [REDACTED]; also saw [REDACTED]',
    );
  });

  it("reports the provider's failure", async () => {
    server.respond({ status: 404, body: 'channel_not_found' });
    const result = await testTarget(
      targetFor({ name: 'chat', type: 'slack', url: `${server.url}/services/x` }),
      { clock, newId },
    );
    assert.deepEqual(result, {
      ok: false,
      status: 404,
      latency_ms: 0,
      message: 'permanent/client_error: Slack: channel_not_found (HTTP 404)',
    });
  });

  it('gives up at the target timeout, measured on the injected clock', async () => {
    server.respond({ hang: true });
    const pending = testTarget(
      targetFor({ name: 'slow', type: 'webhook', url: server.url, timeout: '2s' }),
      { clock, newId },
    );
    await server.waitForRequests(1);
    await clock.advance(2_000);
    const result = await pending;
    assert.equal(result.ok, false);
    assert.equal(result.latency_ms, 2_000);
    assert.match(result.message, /^transient\/timeout/);
  });
});
