import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { aClassification, anAlert } from '../../test/support/builders.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { closedPortUrl, startTargetServer } from '../../test/support/target-server.js';
import type { TargetServer } from '../../test/support/target-server.js';
import { z } from 'zod';

import { slackTargetSchema } from '../config/targets.js';
import type { Logger } from '../domain/clock.js';
import type { Delivery, PublishOutcome } from '../domain/publisher.js';
import { createHttpClient } from './http-client.js';
import { createSlackPublisher } from './slack.js';
import { SLACK_LIMITS, slackMessage } from './slack-message.js';

const maskOf = (config: Record<string, unknown>) => createSecretMask(secretsOf(config));
import { secretsOf } from '../domain/redact.js';
import { createSecretMask } from '../domain/secret-mask.js';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const http = createHttpClient();
const clock = createFakeClock();
const HOOK_PATH = '/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX';

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    jobId: 'job-1',
    target: 'team-chat',
    alert: anAlert({ severity: 'critical' }),
    priority: 'high',
    attempt: 1,
    ...overrides,
  };
}

const messageShape = z.object({
  text: z.string(),
  attachments: z.array(
    z.object({
      blocks: z.array(
        z.object({ type: z.string(), text: z.object({ text: z.string() }).optional() }),
      ),
    }),
  ),
});

function outcomeText(o: PublishOutcome): string {
  return o.ok ? 'success' : `${o.type}/${o.reason}`;
}

describe('slack publisher', () => {
  let server: TargetServer;
  let url: string;
  const publish = (d: Delivery = delivery(), target = url): Promise<PublishOutcome> => {
    const config = slackTargetSchema.parse({ name: 'team-chat', type: 'slack', url: target });
    return createSlackPublisher(config, { http, clock, logger, mask: maskOf(config) }).publish(
      d,
      new AbortController().signal,
    );
  };

  before(async () => {
    server = await startTargetServer({ body: 'ok' });
    url = `${server.url}${HOOK_PATH}`;
  });
  beforeEach(() => {
    server.requests.length = 0;
  });
  after(async () => {
    await server.close();
    await http.close();
  });

  it('POSTs a Block Kit message with a text fallback and a severity colour', async () => {
    const alert = anAlert(
      { severity: 'critical' },
      {
        annotations: {
          summary: 'p99 latency above 2s',
          description: 'checkout <api> & cart',
          runbook_url: 'https://runbooks.example/latency',
        },
      },
    );
    const outcome = await publish(
      delivery({ alert, classification: aClassification({ severity: 'critical' }) }),
    );
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const [req] = server.requests;
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, HOOK_PATH);
    assert.equal(req.headers['content-type'], 'application/json; charset=utf-8');
    const text = 'FIRING: HighLatency (p99 latency above 2s)';
    assert.deepEqual(req.json, {
      text,
      attachments: [
        {
          color: '#E01E5A',
          fallback: text,
          blocks: [
            {
              type: 'header',
              text: { type: 'plain_text', text: ':red_circle: FIRING: HighLatency', emoji: true },
            },
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: 'p99 latency above 2s\ncheckout &lt;api&gt; &amp; cart',
              },
            },
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: '*Labels*\n```alertname=HighLatency\ninstance=api-1:9100\nseverity=critical```',
              },
            },
            {
              type: 'context',
              elements: [{ type: 'mrkdwn', text: 'Started 2026-11-29T10:00:00Z' }],
            },
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: '*Classification:* critical (confidence 90%)\nlatency regression after deploy\n• roll back',
              },
            },
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: '<https://runbooks.example/latency|Runbook> · <http://prometheus.local/graph?g0.expr=up|Source>',
              },
            },
          ],
        },
      ],
    });
  });

  it('makes a resolved alert look different: green, check mark, RESOLVED, end time', async () => {
    await publish(
      delivery({
        alert: anAlert(
          { severity: 'critical' },
          { status: 'resolved', endsAt: '2026-11-29T11:00:00Z' },
        ),
      }),
    );
    const body = JSON.stringify(server.requests[0]?.json);
    assert.match(body, /"color":"#2EB67D"/);
    assert.match(body, /:white_check_mark: RESOLVED: HighLatency/);
    assert.match(body, /ended 2026-11-29T11:00:00Z/);
  });

  it('colours by severity: warning yellow, info blue, none grey', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ severity: 'warning' }, '#ECB22E'],
      [{ severity: 'info' }, '#36C5F0'],
      [{}, '#9E9E9E'],
    ];
    for (const [labels, colour] of cases) {
      server.requests.length = 0;
      await publish(delivery({ alert: anAlert(labels) }));
      assert.match(JSON.stringify(server.requests[0]?.json), new RegExp(`"color":"${colour}"`));
    }
  });

  it("cuts long texts to Slack's limits", async () => {
    const long = 'x'.repeat(50_000);
    await publish(
      delivery({ alert: anAlert({ alertname: long }, { annotations: { summary: long } }) }),
    );
    const json = messageShape.parse(server.requests[0]?.json);
    assert.ok(json.text.length <= SLACK_LIMITS.textChars);
    const blocks = json.attachments[0]?.blocks ?? [];
    assert.ok(blocks.length <= SLACK_LIMITS.blocks);
    for (const block of blocks) {
      const max = block.type === 'header' ? SLACK_LIMITS.headerChars : SLACK_LIMITS.sectionChars;
      assert.ok((block.text?.text.length ?? 0) <= max, block.type);
    }
  });

  it('cuts a long text before escaping: the code block stays closed, no entity or link is split', async () => {
    const wild = '&<'.repeat(5_000);
    const alert = anAlert(
      { big: wild },
      {
        annotations: {
          summary: wild,
          runbook_url: `https://runbooks.example/${'<'.repeat(3_000)}`,
          dashboard_url: 'https://grafana.example/d/1',
        },
      },
    );
    await publish(
      delivery({ alert, classification: aClassification({ recommendations: [wild] }) }),
    );
    const json = messageShape.parse(server.requests[0]?.json);
    const sections = (json.attachments[0]?.blocks ?? [])
      .filter((block) => block.type === 'section')
      .map((block) => block.text?.text ?? '');
    assert.equal(sections.length, 4);
    for (const text of sections) {
      assert.ok(text.length <= SLACK_LIMITS.sectionChars, text.slice(0, 40));
      assert.doesNotMatch(text, /&(?!amp;|lt;|gt;)/, text.slice(-40));
    }
    const [about, labels, classification, links] = sections;
    assert.match(about ?? '', /^(&amp;&lt;)+(&amp;)?…$/);
    assert.match(labels ?? '', /^\*Labels\*\n```alertname=HighLatency\n.*(&amp;|&lt;)…```$/s);
    assert.match(classification ?? '', /^\*Classification:\* .*\n• (&amp;&lt;)+(&amp;)?…$/s);
    assert.equal(
      links,
      '<https://grafana.example/d/1|Dashboard> · <http://prometheus.local/graph?g0.expr=up|Source>',
    );
  });

  const errorBodies: Array<[number, string, string]> = [
    [400, 'invalid_payload', 'permanent/invalid_payload'],
    [400, 'user_not_found', 'permanent/client_error'],
    [403, 'action_prohibited', 'permanent/client_error'],
    [403, 'invalid_token', 'permanent/auth_error'],
    [404, 'channel_not_found', 'permanent/client_error'],
    [404, 'no_service', 'permanent/auth_error'],
    [404, 'no_active_hooks', 'permanent/auth_error'],
    [410, 'channel_is_archived', 'permanent/client_error'],
    [400, 'posting_to_general_channel_denied', 'permanent/client_error'],
    [500, 'rollup_error', 'transient/server_error'],
    [401, 'something_new', 'permanent/auth_error'],
  ];
  for (const [status, code, want] of errorBodies) {
    it(`maps HTTP ${status} "${code}" to ${want} with the code in the message`, async () => {
      server.respond({ status, body: code });
      const outcome = await publish();
      assert.equal(outcomeText(outcome), want);
      assert.equal(outcome.status, status);
      assert.ok(!outcome.ok);
      assert.match(outcome.message, new RegExp(code));
    });
  }

  it('treats a 200 whose body is not "ok" as a failure', async () => {
    server.respond({ status: 200, body: '<html>captive portal</html>' });
    const outcome = await publish();
    assert.equal(outcomeText(outcome), 'unknown/internal');
  });

  it('treats a 200 with an error code body as that error', async () => {
    server.respond({ status: 200, body: 'invalid_blocks' });
    assert.equal(outcomeText(await publish()), 'permanent/invalid_payload');
  });

  it('honours Retry-After on 429', async () => {
    server.respond({ status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' });
    const outcome = await publish();
    assert.ok(!outcome.ok);
    assert.equal(outcome.reason, 'rate_limited');
    assert.equal(outcome.retryAfterMs, 30_000);
  });

  it('maps 503 to transient server_error', async () => {
    server.respond({ status: 503, body: 'Service Unavailable' });
    assert.equal(outcomeText(await publish()), 'transient/server_error');
  });

  it('reports connection refused as transient network', async () => {
    assert.equal(
      outcomeText(await publish(delivery(), `${await closedPortUrl()}${HOOK_PATH}`)),
      'transient/network',
    );
  });

  it('reports an aborted attempt as a transient timeout', async () => {
    server.respond({ hang: true });
    const controller = new AbortController();
    const config = slackTargetSchema.parse({ name: 'team-chat', type: 'slack', url });
    const pending = createSlackPublisher(config, {
      http,
      clock,
      logger,
      mask: maskOf(config),
    }).publish(delivery(), controller.signal);
    await server.waitForRequests(1);
    controller.abort(new DOMException('timed out', 'TimeoutError'));
    assert.equal(outcomeText(await pending), 'transient/timeout');
  });

  it('never shows the webhook path, even when an error page echoes it', async () => {
    server.respond({ status: 502, body: `upstream failed for ${HOOK_PATH}` });
    const outcome = await publish();
    assert.ok(!outcome.ok);
    assert.equal(outcome.message.includes(HOOK_PATH), false);
    assert.match(outcome.message, /\[REDACTED\]/);
  });
});

describe('slack message', () => {
  it('leaves out blank summary and description: Slack refuses a section of empty text', () => {
    const alert = anAlert({ alertname: ' ' }, { annotations: { summary: ' ', description: '\n' } });
    const message = slackMessage(alert) as {
      text: string;
      attachments: Array<{ blocks: Array<{ type: string; text?: { text: string } }> }>;
    };
    assert.equal(message.text, 'FIRING: alert');
    const texts = (message.attachments[0]?.blocks ?? [])
      .filter((block) => block.type === 'section')
      .map((block) => block.text?.text ?? '');
    assert.ok(texts.length > 0);
    for (const text of texts) assert.notEqual(text.trim(), '', JSON.stringify(texts));
  });
});
