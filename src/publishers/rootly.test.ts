import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { aClassification, anAlert } from '../../test/support/builders.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { closedPortUrl, startTargetServer } from '../../test/support/target-server.js';
import type { TargetServer } from '../../test/support/target-server.js';
import { rootlyTargetSchema } from '../config/targets.js';
import type { Classification } from '../domain/alert.js';
import type { Logger } from '../domain/clock.js';
import type { Delivery, PublishOutcome } from '../domain/publisher.js';
import { createHttpClient } from './http-client.js';
import { createRootlyPublisher } from './rootly.js';
import { MAX_ALERT_BYTES, ROOTLY_CUT_CHARS, rootlyAlertBody } from './rootly-alert-body.js';
import { createMemoryRootlyAlertIds } from './rootly-alert-ids.js';
import type { RootlyAlertIds } from './rootly-alert-ids.js';
import { createSecretMask } from '../domain/secret-mask.js';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const http = createHttpClient();
const clock = createFakeClock();
const TOKEN = 'rootly_0123456789abcdef';
const firing = anAlert({ severity: 'critical' });
const resolved = { ...firing, status: 'resolved' as const };
const CREATED = { status: 201, body: { data: { id: 'a1b2', type: 'alerts', attributes: {} } } };

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    jobId: 'job-1',
    target: 'incidents',
    alert: firing,
    priority: 'high',
    attempt: 1,
    ...overrides,
  };
}

/** The POST /v1/alerts document for `firing`, its keys in the order they are sent. */
function createdDocument(classification: Classification): object {
  return {
    data: {
      type: 'alerts',
      attributes: {
        source: 'alertmanager',
        summary: 'HighLatency: p99 latency above 2s',
        description: 'p99 latency above 2s',
        started_at: '2026-11-29T10:00:00Z',
        external_id: firing.fingerprint,
        deduplication_key: firing.fingerprint,
        labels: [
          { key: 'alertname', value: 'HighLatency' },
          { key: 'instance', value: 'api-1:9100' },
          { key: 'severity', value: 'critical' },
        ],
        data: {
          source: 'alert-publisher',
          target: 'incidents',
          fingerprint: firing.fingerprint,
          annotations: firing.annotations,
          classification,
        },
        external_url: 'http://prometheus.local/graph?g0.expr=up',
      },
    },
  };
}

/** The attributes of a sent POST /v1/alerts, with the raw body's size in UTF-8 bytes. */
function sentAlert(req: { body: string; json: unknown } | undefined): {
  bytes: number;
  attributes: Record<string, unknown>;
  data: Record<string, unknown>;
} {
  assert.ok(req);
  const { attributes } = (req.json as { data: { attributes: Record<string, unknown> } }).data;
  return {
    bytes: Buffer.byteLength(req.body),
    attributes,
    data: attributes['data'] as Record<string, unknown>,
  };
}

function outcomeText(o: PublishOutcome): string {
  return o.ok ? 'success' : `${o.type}/${o.reason}`;
}

describe('rootly publisher', () => {
  let server: TargetServer;
  let alertIds: RootlyAlertIds;
  const publisher = (url = server.url, ids = alertIds) =>
    createRootlyPublisher(
      rootlyTargetSchema.parse({ name: 'incidents', type: 'rootly', token: TOKEN, url }),
      {
        http,
        clock,
        logger,
        mask: createSecretMask([TOKEN]),
        alertIds: ids,
      },
    );
  const publish = (
    d: Delivery = delivery(),
    url = server.url,
    signal = new AbortController().signal,
  ) => publisher(url).publish(d, signal);

  before(async () => {
    server = await startTargetServer();
  });
  beforeEach(() => {
    server.requests.length = 0;
    alertIds = createMemoryRootlyAlertIds();
  });
  after(async () => {
    await server.close();
    await http.close();
  });

  it('creates an alert with the fingerprint as deduplication key and stores its id', async () => {
    server.respond(CREATED);
    const classification = aClassification();
    const outcome = await publish(delivery({ classification }));
    assert.deepEqual(outcome, { ok: true, status: 201, message: 'created Rootly alert a1b2' });
    const [req] = server.requests;
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/v1/alerts');
    assert.equal(req.headers['content-type'], 'application/vnd.api+json');
    assert.equal(req.headers['authorization'], `Bearer ${TOKEN}`);
    assert.deepEqual(req.json, createdDocument(classification));
    assert.equal(await alertIds.get('incidents', firing.fingerprint), 'a1b2');
  });

  it("sends Rootly's required source attribute as alertmanager, the configured source in data", async () => {
    server.respond(CREATED);
    const custom = createRootlyPublisher(
      rootlyTargetSchema.parse({
        name: 'incidents',
        type: 'rootly',
        token: TOKEN,
        url: server.url,
        source: 'prod-eu',
      }),
      { http, clock, logger, mask: createSecretMask([TOKEN]), alertIds },
    );
    await custom.publish(delivery(), new AbortController().signal);
    const sent = sentAlert(server.requests[0]);
    assert.equal(sent.attributes['source'], 'alertmanager');
    assert.equal(sent.data['source'], 'prod-eu');
  });

  it('sends a normal alert exactly as before: no cut, no note, byte for byte', async () => {
    server.respond(CREATED);
    const classification = aClassification();
    await publish(delivery({ classification }));
    assert.equal(server.requests[0]?.body, JSON.stringify(createdDocument(classification)));
  });

  it('cuts a 2 MB description to fit 512 KB, keeps the identifiers and labels, says what was cut, and can still resolve', async () => {
    server.respond(CREATED);
    const description = 'd'.repeat(2_000_000);
    const alert = anAlert({ severity: 'critical' }, { annotations: { summary: 's', description } });
    const outcome = await publish(delivery({ alert, classification: aClassification() }));
    assert.deepEqual(outcome, { ok: true, status: 201, message: 'created Rootly alert a1b2' });

    const sent = sentAlert(server.requests[0]);
    assert.ok(sent.bytes <= MAX_ALERT_BYTES, `${sent.bytes} bytes`);
    assert.equal(sent.attributes['external_id'], alert.fingerprint);
    assert.equal(sent.attributes['deduplication_key'], alert.fingerprint);
    assert.equal(sent.attributes['started_at'], alert.startsAt);
    assert.equal(sent.attributes['summary'], 'HighLatency: s');
    assert.equal(sent.attributes['external_url'], alert.generatorURL);
    assert.equal(
      sent.attributes['description'],
      `${'d'.repeat(ROOTLY_CUT_CHARS.description - 1)}…`,
    );
    assert.deepEqual(sent.attributes['labels'], [
      { key: 'alertname', value: 'HighLatency' },
      { key: 'instance', value: 'api-1:9100' },
      { key: 'severity', value: 'critical' },
    ]);
    assert.deepEqual(Object.keys(sent.data), ['source', 'target', 'fingerprint', 'note']);
    assert.equal(sent.data['fingerprint'], alert.fingerprint);
    assert.equal(
      sent.data['note'],
      'annotations and classification removed from data; summary and description shortened: the alert exceeded 512 KB',
    );

    server.respond({ status: 200, body: { data: { id: 'a1b2' } } });
    const resolvedOutcome = await publish(delivery({ alert: { ...alert, status: 'resolved' } }));
    assert.equal(outcomeText(resolvedOutcome), 'success');
    assert.equal(server.requests[1]?.path, '/v1/alerts/a1b2/resolve');
  });

  it('stores the id of a create answered with a ~300 KB echo of the alert, and resolves by it', async () => {
    const description = 'd'.repeat(150_000);
    const alert = anAlert({ severity: 'critical' }, { annotations: { description } });
    const config = rootlyTargetSchema.parse({ name: 'incidents', type: 'rootly', token: TOKEN });
    // Rootly's 201 echoes the alert's attributes (description, labels, data, …) beside its id.
    const sent = JSON.parse(rootlyAlertBody(config, delivery({ alert }))) as {
      data: { attributes: object };
    };
    const echo = { data: { id: 'big1', type: 'alerts', attributes: sent.data.attributes } };
    assert.ok(JSON.stringify(echo).length > 290_000, `${JSON.stringify(echo).length}`);
    server.respond({ status: 201, body: echo });
    const outcome = await publish(delivery({ alert }));
    assert.deepEqual(outcome, { ok: true, status: 201, message: 'created Rootly alert big1' });

    server.respond({ status: 200, body: { data: { id: 'big1' } } });
    const resolvedOutcome = await publish(delivery({ alert: { ...alert, status: 'resolved' } }));
    assert.deepEqual(resolvedOutcome, {
      ok: true,
      status: 200,
      message: 'resolved Rootly alert big1',
    });
    assert.equal(server.requests[1]?.path, '/v1/alerts/big1/resolve');
  });

  it('sends a repeated firing with the same deduplication key and keeps the id Rootly answers', async () => {
    // Rootly collapses events with one deduplication_key onto the open alert, and opens a new
    // one if the old was closed in Rootly: sending nothing here would lose such a firing.
    server.respond(CREATED);
    await publish();
    server.respond({ status: 201, body: JSON.stringify({ data: { id: 'c3d4', type: 'alerts' } }) });
    const again = await publish();
    assert.deepEqual(again, { ok: true, status: 201, message: 'created Rootly alert c3d4' });
    assert.equal(server.requests.length, 2);
    const keys = server.requests.map((r) => {
      const key: unknown = JSON.stringify(r.json).match(/"deduplication_key":"([0-9a-f]+)"/)?.[1];
      return key;
    });
    assert.deepEqual(keys, [firing.fingerprint, firing.fingerprint]);
    assert.equal(await alertIds.get('incidents', firing.fingerprint), 'c3d4');
  });

  it('resolves by the stored id and forgets it', async () => {
    await alertIds.set('incidents', firing.fingerprint, 'a1b2');
    server.respond({ status: 200, body: { data: { id: 'a1b2' } } });
    const outcome = await publish(delivery({ alert: resolved }));
    assert.deepEqual(outcome, { ok: true, status: 200, message: 'resolved Rootly alert a1b2' });
    const [req] = server.requests;
    assert.equal(req?.path, '/v1/alerts/a1b2/resolve');
    assert.equal(req?.headers['authorization'], `Bearer ${TOKEN}`);
    assert.deepEqual(req?.json, {
      data: {
        type: 'alerts',
        attributes: { resolution_message: 'Resolved in Prometheus (alert-publisher)' },
      },
    });
    assert.equal(await alertIds.get('incidents', firing.fingerprint), undefined);
  });

  it('fails a resolve answered 404 for good and keeps the id, so a replay resolves by it', async () => {
    await alertIds.set('incidents', firing.fingerprint, 'a1b2');
    server.respond({ status: 404, body: { errors: [{ title: 'Not found or unauthorized' }] } });
    const outcome = await publish(delivery({ alert: resolved }));
    assert.deepEqual(outcome, {
      ok: false,
      type: 'permanent',
      reason: 'client_error',
      status: 404,
      message: 'HTTP 404: Rootly alert a1b2: deleted in Rootly or not visible to this token',
    });
    assert.equal(await alertIds.get('incidents', firing.fingerprint), 'a1b2');

    // The dead letter replayed once the token has access again.
    server.respond({ status: 200, body: { data: { id: 'a1b2' } } });
    const replayed = await publish(delivery({ alert: resolved }));
    assert.equal(outcomeText(replayed), 'success');
    assert.deepEqual(
      server.requests.map((r) => r.path),
      ['/v1/alerts/a1b2/resolve', '/v1/alerts/a1b2/resolve'],
    );
  });

  it('sends nothing for a resolve with no stored id and says so', async () => {
    const outcome = await publish(delivery({ alert: resolved }));
    assert.equal(outcomeText(outcome), 'success');
    assert.match(outcome.message ?? '', /^warning: no Rootly alert stored/);
    assert.equal(server.requests.length, 0);
  });

  it('keeps the id when a resolve fails transiently, so the retry can resolve', async () => {
    await alertIds.set('incidents', firing.fingerprint, 'a1b2');
    server.respond({ status: 500, body: 'oops' });
    assert.equal(
      outcomeText(await publish(delivery({ alert: resolved }))),
      'transient/server_error',
    );
    assert.equal(await alertIds.get('incidents', firing.fingerprint), 'a1b2');
  });

  const statuses: Array<[number, string]> = [
    [400, 'permanent/client_error'],
    [401, 'permanent/auth_error'],
    [404, 'permanent/client_error'],
    [500, 'transient/server_error'],
    [503, 'transient/server_error'],
  ];
  for (const [status, want] of statuses) {
    it(`maps HTTP ${status} on create to ${want}`, async () => {
      server.respond({ status, body: 'x' });
      assert.equal(outcomeText(await publish()), want);
      assert.equal(await alertIds.get('incidents', firing.fingerprint), undefined);
    });
  }

  it("maps 422 to invalid_payload with Rootly's JSON:API error", async () => {
    server.respond({
      status: 422,
      body: { errors: [{ title: 'Validation failed', detail: 'summary is too long' }] },
    });
    const outcome = await publish();
    assert.ok(!outcome.ok);
    assert.equal(outcome.reason, 'invalid_payload');
    assert.equal(outcome.message, 'HTTP 422: Rootly: Validation failed: summary is too long');
  });

  it('maps 429 to rate_limited and honours Retry-After', async () => {
    server.respond({ status: 429, headers: { 'retry-after': '3' }, body: '' });
    const outcome = await publish();
    assert.ok(!outcome.ok);
    assert.equal(outcome.reason, 'rate_limited');
    assert.equal(outcome.retryAfterMs, 3_000);
  });

  it("waits until Rootly's RateLimit-Reset (epoch seconds) on a 429, which has no Retry-After", async () => {
    // As Rootly documents its 429 (outcome.ts reads it for every publisher: outcome.test.ts).
    const reset = String(clock.now() / 1000 + 20);
    server.respond({
      status: 429,
      headers: { 'ratelimit-limit': '50', 'ratelimit-remaining': '0', 'ratelimit-reset': reset },
      body: { errors: [{ title: 'Rate limit exceeded' }] },
    });
    const outcome = await publish();
    assert.ok(!outcome.ok);
    assert.equal(outcome.reason, 'rate_limited');
    assert.equal(outcome.retryAfterMs, 20_000);
  });

  it('reports connection refused and an aborted attempt as transient', async () => {
    assert.equal(
      outcomeText(await publish(delivery(), await closedPortUrl())),
      'transient/network',
    );
    server.respond({ hang: true });
    const controller = new AbortController();
    const pending = publish(delivery(), server.url, controller.signal);
    await server.waitForRequests(1);
    controller.abort(new DOMException('timed out', 'TimeoutError'));
    assert.equal(outcomeText(await pending), 'transient/timeout');
  });

  it('never puts the token in a message, even when Rootly echoes it', async () => {
    server.respond({ status: 401, body: { errors: [{ title: `bad token ${TOKEN}` }] } });
    const outcome = await publish();
    assert.ok(!outcome.ok);
    assert.equal(outcome.message.includes(TOKEN), false);
  });

  it('turns a failing id store into a retryable unknown outcome', async () => {
    const broken: RootlyAlertIds = {
      get: () => Promise.resolve(undefined),
      set: () =>
        Promise.reject(Object.assign(new Error('connection terminated'), { code: 'ECONNRESET' })),
      delete: () => Promise.resolve(),
    };
    server.respond(CREATED);
    const outcome = await publisher(server.url, broken).publish(
      delivery(),
      new AbortController().signal,
    );
    assert.deepEqual(outcome, {
      ok: false,
      type: 'unknown',
      reason: 'internal',
      message: 'Rootly alert id store failed: ECONNRESET',
    });
  });
});
