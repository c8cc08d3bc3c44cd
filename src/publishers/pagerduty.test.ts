import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';

import { aClassification, anAlert } from '../../test/support/builders.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { closedPortUrl, startTargetServer } from '../../test/support/target-server.js';
import type { TargetServer } from '../../test/support/target-server.js';
import { pagerdutyTargetSchema } from '../config/targets.js';
import type { Logger } from '../domain/clock.js';
import type { Delivery, PublishOutcome } from '../domain/publisher.js';
import { createHttpClient } from './http-client.js';
import { createPagerdutyPublisher, MAX_EVENT_BYTES, pdSeverity } from './pagerduty.js';

const maskOf = (config: Record<string, unknown>) => createSecretMask(secretsOf(config));
import { secretsOf } from '../domain/redact.js';
import { createSecretMask } from '../domain/secret-mask.js';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const http = createHttpClient();
const clock = createFakeClock();
const ROUTING_KEY = 'R0UTINGKEY0123456789abcdefabcdef';
const ACCEPTED = {
  status: 202,
  body: { status: 'success', message: 'Event processed', dedup_key: 'x' },
};

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    jobId: 'job-1',
    target: 'oncall',
    alert: anAlert({ severity: 'critical' }),
    priority: 'high',
    attempt: 1,
    ...overrides,
  };
}

function outcomeText(o: PublishOutcome): string {
  return o.ok ? 'success' : `${o.type}/${o.reason}`;
}

describe('pagerduty publisher', () => {
  let server: TargetServer;
  const publish = (
    d: Delivery = delivery(),
    url = `${server.url}/v2/enqueue`,
    extra: Record<string, unknown> = {},
  ): Promise<PublishOutcome> => {
    const config = pagerdutyTargetSchema.parse({
      name: 'oncall',
      type: 'pagerduty',
      routing_key: ROUTING_KEY,
      url,
      ...extra,
    });
    return createPagerdutyPublisher(config, { http, clock, logger, mask: maskOf(config) }).publish(
      d,
      new AbortController().signal,
    );
  };

  before(async () => {
    server = await startTargetServer(ACCEPTED);
  });
  beforeEach(() => {
    server.requests.length = 0;
  });
  after(async () => {
    await server.close();
    await http.close();
  });

  it('triggers with routing key, fingerprint dedup key, mapped severity, details and links', async () => {
    const alert = anAlert(
      { severity: 'warning', team: 'db', service: 'checkout' },
      {
        annotations: {
          summary: 'p99 latency above 2s',
          runbook_url: 'https://runbooks.example/latency',
          grafana_url: 'https://grafana.example/d/abc',
        },
      },
    );
    const classification = aClassification({ severity: 'critical' });
    const outcome = await publish(delivery({ alert, classification }), undefined, {
      client_url: 'https://ap.example',
    });
    assert.deepEqual(outcome, { ok: true, status: 202, message: 'PagerDuty: Event processed' });
    const [req] = server.requests;
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/v2/enqueue');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(req.json, {
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: alert.fingerprint,
      payload: {
        summary: 'HighLatency: p99 latency above 2s',
        source: 'api-1:9100',
        severity: 'critical',
        timestamp: '2026-11-29T10:00:00Z',
        class: 'HighLatency',
        component: 'checkout',
        group: 'db',
        custom_details: { labels: alert.labels, annotations: alert.annotations, classification },
      },
      links: [
        { href: 'https://runbooks.example/latency', text: 'Runbook' },
        { href: 'https://grafana.example/d/abc', text: 'Grafana' },
        { href: 'http://prometheus.local/graph?g0.expr=up', text: 'Source' },
      ],
      client: 'alert-publisher',
      client_url: 'https://ap.example',
    });
  });

  it('resolves by the same dedup key with no local state', async () => {
    const alert = anAlert({ severity: 'critical' }, { status: 'resolved' });
    assert.equal(outcomeText(await publish(delivery({ alert }))), 'success');
    assert.deepEqual(server.requests[0]?.json, {
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: alert.fingerprint,
    });
  });

  it('cuts the summary to 1024 characters', async () => {
    await publish(delivery({ alert: anAlert({}, { annotations: { summary: 'y'.repeat(5000) } }) }));
    assert.match(JSON.stringify(server.requests[0]?.json), /"summary":"HighLatency: y{1010}…"/);
  });

  it("keeps an event within PagerDuty's 512 KB: the annotations leave custom_details first, then the labels", async () => {
    const huge = 'd'.repeat(900_000);
    await publish(delivery({ alert: anAlert({}, { annotations: { description: huge } }) }));
    const sent = server.requests.at(-1);
    assert.ok(Buffer.byteLength(sent?.body ?? '') <= MAX_EVENT_BYTES);
    const details = (sent?.json as { payload: { custom_details: Record<string, unknown> } }).payload
      .custom_details;
    assert.deepEqual(Object.keys(details).sort(), ['labels', 'note']);
    assert.match(String(details['note']), /exceeded PagerDuty's 512 KB limit/);

    await publish(delivery({ alert: anAlert({ big: huge }) }));
    const cut = (server.requests.at(-1)?.json as { payload: { custom_details: object } }).payload;
    assert.deepEqual(Object.keys(cut.custom_details), ['note']);
  });

  it('bounds the last cut: label-made fields shortened, an over-long link dropped, dedup_key kept', async () => {
    const huge = 'i'.repeat(2_000_000);
    const alert = anAlert(
      { instance: huge, service: 'c'.repeat(2_000_000) },
      { annotations: { runbook_url: `https://runbooks.example/${'r'.repeat(2_000_000)}` } },
    );
    await publish(delivery({ alert }));
    const sent = server.requests.at(-1);
    assert.ok(Buffer.byteLength(sent?.body ?? '') < MAX_EVENT_BYTES);
    const event = sent?.json as {
      dedup_key: string;
      links: unknown;
      payload: { source: string; component: string; custom_details: Record<string, unknown> };
    };
    assert.equal(event.dedup_key, alert.fingerprint);
    assert.equal(event.payload.source, `${'i'.repeat(1023)}…`);
    assert.equal(event.payload.component, `${'c'.repeat(1023)}…`);
    assert.deepEqual(event.links, [
      { href: 'http://prometheus.local/graph?g0.expr=up', text: 'Source' },
    ]);
    assert.deepEqual(Object.keys(event.payload.custom_details), ['note']);
    assert.match(
      String(event.payload.custom_details['note']),
      /links over 8192 characters dropped: the event exceeded PagerDuty's 512 KB limit/,
    );
  });

  it('sends only http(s) links', async () => {
    const annotations = {
      runbook_url: 'javascript:alert(1)',
      dashboard_url: 'https://grafana/d/1',
    };
    await publish(delivery({ alert: anAlert({}, { annotations, generatorURL: 'ftp://x/y' }) }));
    assert.deepEqual((server.requests.at(-1)?.json as { links: unknown }).links, [
      { href: 'https://grafana/d/1', text: 'Dashboard' },
    ]);
  });

  it('maps severities: the more severe of label and classification, unknown → error', () => {
    const cases: Array<
      [string | undefined, 'critical' | 'warning' | 'info' | 'noise' | undefined, string]
    > = [
      ['critical', undefined, 'critical'],
      ['Error', undefined, 'error'],
      ['warning', undefined, 'warning'],
      ['info', undefined, 'info'],
      ['none', undefined, 'info'],
      [undefined, undefined, 'error'],
      ['weird', undefined, 'error'],
      ['info', 'critical', 'critical'],
      ['warning', 'noise', 'warning'],
      [undefined, 'noise', 'info'],
    ];
    for (const [label, classified, want] of cases) {
      const alert = anAlert(label === undefined ? {} : { severity: label });
      const c = classified === undefined ? undefined : aClassification({ severity: classified });
      assert.equal(pdSeverity(alert, c), want, `${label}/${classified}`);
    }
  });

  it("maps 400 to invalid_payload with PagerDuty's message and errors", async () => {
    server.respond({
      status: 400,
      body: {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ['Length of payload.summary exceeds 1024'],
      },
    });
    const outcome = await publish();
    assert.ok(!outcome.ok);
    assert.equal(outcomeText(outcome), 'permanent/invalid_payload');
    assert.equal(
      outcome.message,
      'HTTP 400: PagerDuty: Event object is invalid; Length of payload.summary exceeds 1024',
    );
  });

  const statuses: Array<[number, string]> = [
    [401, 'permanent/auth_error'],
    [404, 'permanent/client_error'],
    [500, 'transient/server_error'],
    [503, 'transient/server_error'],
  ];
  for (const [status, want] of statuses) {
    it(`maps HTTP ${status} to ${want}`, async () => {
      server.respond({ status, body: 'x' });
      assert.equal(outcomeText(await publish()), want);
    });
  }

  it('maps 429 to rate_limited and honours Retry-After', async () => {
    server.respond({ status: 429, headers: { 'retry-after': '12' }, body: '' });
    const outcome = await publish();
    assert.ok(!outcome.ok);
    assert.equal(outcome.reason, 'rate_limited');
    assert.equal(outcome.retryAfterMs, 12_000);
  });

  it('reports connection refused and an aborted attempt as transient', async () => {
    assert.equal(
      outcomeText(await publish(delivery(), await closedPortUrl())),
      'transient/network',
    );
    server.respond({ hang: true });
    const controller = new AbortController();
    const config = pagerdutyTargetSchema.parse({
      name: 'oncall',
      type: 'pagerduty',
      routing_key: ROUTING_KEY,
      url: server.url,
    });
    const pending = createPagerdutyPublisher(config, {
      http,
      clock,
      logger,
      mask: maskOf(config),
    }).publish(delivery(), controller.signal);
    await server.waitForRequests(1);
    controller.abort(new DOMException('timed out', 'TimeoutError'));
    assert.equal(outcomeText(await pending), 'transient/timeout');
  });

  it('never puts the routing key in a message, even when PagerDuty echoes it', async () => {
    server.respond({
      status: 400,
      body: { message: `unknown routing key ${ROUTING_KEY}`, errors: [] },
    });
    const outcome = await publish();
    assert.ok(!outcome.ok);
    assert.equal(outcome.message.includes(ROUTING_KEY), false);
  });
});

/**
 * A receiver that validates like PagerDuty's Events API v2: a trigger whose `payload.source` or
 * `payload.summary` is missing or blank is answered 400 "invalid event", anything else 202.
 */
async function startPagerdutyLikeReceiver(): Promise<{
  url: string;
  events: Array<{ payload: Record<string, unknown> }>;
  close: () => Promise<void>;
}> {
  const events: Array<{ payload: Record<string, unknown> }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        payload: Record<string, unknown>;
      };
      events.push(event);
      const errors = ['source', 'summary']
        .filter((field) => {
          const value = event.payload[field];
          return typeof value !== 'string' || value.trim() === '';
        })
        .map((field) => `'payload.${field}' is missing or blank`);
      const [status, body] =
        errors.length === 0
          ? [202, { status: 'success', message: 'Event processed' }]
          : [400, { status: 'invalid event', message: 'Event object is invalid', errors }];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return {
    url: `http://127.0.0.1:${address.port}/v2/enqueue`,
    events,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('pagerduty publisher: never a blank source or summary', () => {
  let receiver: Awaited<ReturnType<typeof startPagerdutyLikeReceiver>>;
  const client = createHttpClient();
  const publishTo = async (alert: ReturnType<typeof anAlert>) => {
    const config = pagerdutyTargetSchema.parse({
      name: 'oncall',
      type: 'pagerduty',
      routing_key: ROUTING_KEY,
      url: receiver.url,
    });
    const outcome = await createPagerdutyPublisher(config, {
      http: client,
      clock,
      logger,
      mask: maskOf(config),
    }).publish(delivery({ alert }), new AbortController().signal);
    return { outcome: outcomeText(outcome), payload: receiver.events.at(-1)?.payload };
  };

  before(async () => {
    receiver = await startPagerdutyLikeReceiver();
  });
  after(async () => {
    await receiver.close();
    await client.close();
  });

  for (const blank of ['', ' ', '\t\n']) {
    it(`uses the job when the instance label is ${JSON.stringify(blank)}, and PagerDuty accepts it`, async () => {
      const sent = await publishTo(
        anAlert({ alertname: 'Src', severity: 'critical', instance: blank, job: 'j' }),
      );
      assert.equal(sent.outcome, 'success');
      assert.equal(sent.payload?.['source'], 'j');
      assert.equal(sent.payload?.['group'], 'j');
    });
  }

  it('uses alert-publisher when instance and job are both blank, and leaves out blank component and group', async () => {
    const sent = await publishTo(
      anAlert({ alertname: 'Src', instance: '', job: ' ', service: ' ', team: '' }),
    );
    assert.equal(sent.outcome, 'success');
    assert.equal(sent.payload?.['source'], 'alert-publisher');
    assert.equal('component' in (sent.payload ?? {}), false);
    assert.equal('group' in (sent.payload ?? {}), false);
  });

  it('makes the summary of the alertname alone when the summary annotation is blank, and of "alert" when the alertname is blank too', async () => {
    const blankSummary = { annotations: { summary: '  ' } };
    const named = await publishTo(anAlert({ alertname: 'Src' }, blankSummary));
    assert.equal(named.outcome, 'success');
    assert.equal(named.payload?.['summary'], 'Src');
    const unnamed = await publishTo(anAlert({ alertname: ' ' }, blankSummary));
    assert.equal(unnamed.outcome, 'success');
    assert.equal(unnamed.payload?.['summary'], 'alert');
  });
});
