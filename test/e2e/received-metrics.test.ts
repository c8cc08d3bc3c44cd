import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

/**
 * alert_publisher_alerts_received_total counts the alerts of a webhook request once it is taken
 * (202): a request refused whole (413, or 503, which Alertmanager sends again) counts nothing.
 * The real app in memory mode, lanes of one job, a target that keeps failing (the retry is an
 * hour away on the fake clock, so the first job holds its lane).
 */
const YAML = (targetUrl: string): string => `
queue: { mode: memory, capacity: { high: 1, medium: 1, low: 1 } }
retry: { base: 1h, max_delay: 1h, jitter: 0s }
targets:
  - { name: failing, type: webhook, url: "${targetUrl}/hook" }
`;

/** One invalid alert (no alertname) and 3 that Alertmanager left out, besides `alerts`. */
function payload(alerts: unknown[]): unknown {
  return {
    version: '4',
    groupKey: '{}:{}',
    status: 'firing',
    receiver: 'ap',
    alerts: [...alerts, { labels: { severity: 'warning' } }],
    truncatedAlerts: 3,
  };
}

async function received(url: string): Promise<Record<string, number>> {
  const { text } = await call(url, 'GET', '/metrics');
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(
    /^alert_publisher_alerts_received_total\{result="(\w+)"\} (\d+)$/gm,
  )) {
    counts[match[1] ?? ''] = Number(match[2]);
  }
  return counts;
}

describe('alerts_received_total counts a webhook request once it is taken', async () => {
  if (!(await isPostgresReachable())) {
    it('runs against PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let target: TargetServer;
  let scratch: { url: string; drop: () => Promise<void> };
  let running: RunningApp;

  before(async () => {
    target = await startTargetServer({ status: 503, body: 'down' });
    scratch = await createScratchDatabase();
    running = await startApp({
      yaml: YAML(target.url),
      databaseUrl: scratch.url,
      clock: createFakeClock(),
    });
  });
  after(async () => {
    await running.stop();
    await target.close();
    await scratch.drop();
  });

  it('counts an accepted request, and nothing of one refused with 503 or 413', async () => {
    const url = running.url;
    const taken = await call(url, 'POST', '/webhook', {
      json: payload([anAlert({ instance: 'a' })]),
    });
    assert.equal(taken.status, 202, taken.text);
    const counted = { routed: 1, unrouted: 0, rejected: 1, truncated: 3 };
    assert.deepEqual(await received(url), counted);

    // The lane holds the first job: a request of one more is refused for now (Alertmanager
    // sends it again), one of two more can never fit.
    const full = await call(url, 'POST', '/webhook', {
      json: payload([anAlert({ instance: 'b' })]),
    });
    assert.equal(full.status, 503, full.text);
    const tooLarge = await call(url, 'POST', '/webhook', {
      json: payload([anAlert({ instance: 'c' }), anAlert({ instance: 'd' })]),
    });
    assert.equal(tooLarge.status, 413, tooLarge.text);
    assert.deepEqual(await received(url), counted);
  });
});
