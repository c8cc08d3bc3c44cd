import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';

import { aClassification, anAlert } from '../../test/support/builders.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { closedPortUrl, startTargetServer } from '../../test/support/target-server.js';
import type { TargetServer } from '../../test/support/target-server.js';
import { webhookTargetSchema } from '../config/targets.js';
import type { Logger } from '../domain/clock.js';
import type { Delivery, PublishOutcome } from '../domain/publisher.js';
import { createHttpClient } from './http-client.js';
import { createWebhookPublisher } from './webhook.js';
import { secretsOf } from '../domain/redact.js';
import { createSecretMask } from '../domain/secret-mask.js';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const http = createHttpClient();
const clock = createFakeClock();
const SECRET_KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const SECRET = `whsec_${SECRET_KEY.toString('base64')}`;

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    jobId: '6f1c2a8e-0000-4000-8000-000000000001',
    target: 'audit',
    alert: anAlert({ severity: 'warning' }),
    priority: 'medium',
    attempt: 1,
    ...overrides,
  };
}

function publisherFor(url: string, extra: Record<string, unknown> = {}) {
  const config = webhookTargetSchema.parse({ name: 'audit', type: 'webhook', url, ...extra });
  return createWebhookPublisher(config, {
    http,
    clock,
    logger,
    mask: createSecretMask(secretsOf(config)),
  });
}

async function publish(url: string, extra: Record<string, unknown> = {}): Promise<PublishOutcome> {
  return publisherFor(url, extra).publish(delivery(), new AbortController().signal);
}

describe('webhook publisher', () => {
  let server: TargetServer;
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

  it('POSTs the version 1 body with the alert, classification and extra headers', async () => {
    const classification = aClassification();
    const d = delivery({ classification });
    const publisher = publisherFor(`${server.url}/alerts?x=1`, { headers: { 'X-Team': 'sre' } });
    const outcome = await publisher.publish(d, new AbortController().signal);
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const [req] = server.requests;
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/alerts?x=1');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-team'], 'sre');
    assert.equal(req.headers['webhook-signature'], undefined);
    assert.deepEqual(req.json, {
      version: '1',
      job_id: d.jobId,
      target: 'audit',
      priority: 'medium',
      alert: d.alert,
      classification,
    });
  });

  it('sends an Alertmanager v4 payload holding the one alert when format is alertmanager', async () => {
    const d = delivery();
    await publisherFor(server.url, { format: 'alertmanager' }).publish(
      d,
      new AbortController().signal,
    );
    assert.deepEqual(server.requests[0]?.json, {
      version: '4',
      groupKey: `{}:{alertname="HighLatency", fingerprint="${d.alert.fingerprint}"}`,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'audit',
      groupLabels: { alertname: 'HighLatency' },
      commonLabels: d.alert.labels,
      commonAnnotations: d.alert.annotations,
      externalURL: '',
      alerts: [d.alert],
    });
  });

  it('signs per Standard Webhooks with the job id, stable across retries', async () => {
    const publisher = publisherFor(server.url, { secret: SECRET });
    await publisher.publish(delivery(), new AbortController().signal);
    await clock.advance(5_000);
    await publisher.publish(delivery({ attempt: 2 }), new AbortController().signal);
    const [first, second] = server.requests;
    assert.ok(first && second);
    for (const req of [first, second]) {
      const id = String(req.headers['webhook-id']);
      const ts = String(req.headers['webhook-timestamp']);
      const expected = createHmac('sha256', SECRET_KEY)
        .update(`${id}.${ts}.${req.body}`)
        .digest('base64');
      assert.equal(req.headers['webhook-signature'], `v1,${expected}`);
      assert.equal(id, delivery().jobId);
    }
    assert.equal(
      Number(second.headers['webhook-timestamp']) - Number(first.headers['webhook-timestamp']),
      5,
    );
  });

  const statusCases: Array<[number, string]> = [
    [200, 'success'],
    [204, 'success'],
    [400, 'permanent/client_error'],
    [401, 'permanent/auth_error'],
    [404, 'permanent/client_error'],
    [500, 'transient/server_error'],
    [501, 'unknown/server_error'],
  ];
  for (const [status, want] of statusCases) {
    it(`maps HTTP ${status} to ${want}`, async () => {
      server.respond({ status, body: status === 204 ? '' : 'nope' });
      const outcome = await publish(server.url);
      assert.equal(outcome.status, status);
      assert.equal(outcome.ok ? 'success' : `${outcome.type}/${outcome.reason}`, want);
      if (!outcome.ok) assert.equal(outcome.message, `HTTP ${status}: nope`);
    });
  }

  it('reads Retry-After seconds on 429 as rate_limited', async () => {
    server.respond({ status: 429, headers: { 'retry-after': '7' } });
    const outcome = await publish(server.url);
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok);
    assert.equal(outcome.reason, 'rate_limited');
    assert.equal(outcome.retryAfterMs, 7_000);
  });

  it('reads a Retry-After date on 503 relative to the injected clock', async () => {
    const at = new Date(clock.now() + 90_000).toUTCString();
    server.respond({ status: 503, headers: { 'retry-after': at } });
    const outcome = await publish(server.url);
    assert.ok(!outcome.ok);
    assert.equal(outcome.type, 'transient');
    assert.equal(outcome.retryAfterMs, 90_000);
  });

  it('does not follow redirects: a 302 is permanent and sent once', async () => {
    server.respond({ status: 302, headers: { location: `${server.url}/elsewhere` } });
    const outcome = await publish(server.url);
    assert.ok(!outcome.ok);
    assert.equal(outcome.type, 'permanent');
    assert.equal(server.requests.length, 1);
  });

  it('reports connection refused as transient network', async () => {
    const outcome = await publish(await closedPortUrl());
    assert.deepEqual(outcome, {
      ok: false,
      type: 'transient',
      reason: 'network',
      message: 'webhook request failed: ECONNREFUSED',
    });
  });

  it('reports an attempt aborted at its timeout as a transient timeout', async () => {
    server.respond({ hang: true });
    const controller = new AbortController();
    const pending = publisherFor(server.url).publish(delivery(), controller.signal);
    await server.waitForRequests(1);
    controller.abort(new DOMException('attempt timed out', 'TimeoutError'));
    const outcome = await pending;
    assert.deepEqual(outcome, {
      ok: false,
      type: 'transient',
      reason: 'timeout',
      message: 'webhook request failed: TimeoutError',
    });
  });

  it('reads at most 64 KiB of a huge error body and keeps the message short', async () => {
    server.respond({ status: 500, body: 'x'.repeat(2 * 1024 * 1024) });
    const outcome = await publish(server.url);
    assert.ok(!outcome.ok);
    assert.ok(outcome.message.length < 400);
  });

  it('never puts URL or header secrets in the message, even when the target echoes them', async () => {
    const token = 'TOKEN-abcdef123456';
    const apiKey = 'KEY-zyxwvu987654';
    server.respond({ status: 400, body: `bad request for token=${token} key ${apiKey} ${SECRET}` });
    const outcome = await publish(`${server.url}/a?token=${token}`, {
      headers: { 'X-API-Key': apiKey },
      secret: SECRET,
    });
    assert.ok(!outcome.ok);
    for (const secret of [token, apiKey, SECRET])
      assert.equal(outcome.message.includes(secret), false);
    assert.match(outcome.message, /^HTTP 400: bad request/);
  });
});
