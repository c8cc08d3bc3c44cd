import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import type { FakeClock } from '../support/fake-clock.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { eventually } from '../support/eventually.js';
import { startApp } from '../support/service-app.js';
import { call, errorCode } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

const API = 'api-token-e2e';
const READ = 'read-token-e2e';
const HOOK = 'hook-token-e2e';

function yaml(okUrl: string, flakyUrl: string): string {
  return `
auth: { api_token: "${API}", read_token: "${READ}", webhook_token: "${HOOK}" }
# max_job_age 20s: a job of the failing target is dead-lettered after its retries instead of
# waiting for the target (docs/how-it-works.md, Retries).
retry: { max_retries: 3, base: 2s, factor: 2, max_delay: 30s, jitter: 1s, max_job_age: 20s }
targets:
  - name: ops
    type: webhook
    url: "${okUrl}/hook"
    match: ['team="ops"']
  - name: flaky
    type: webhook
    url: "${flakyUrl}/hook"
    match: ['team="db"']
`;
}

function payload(alerts: unknown[]): unknown {
  return { version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'ap', alerts };
}

interface Page {
  total: number;
  entries: {
    id: string;
    target_name: string;
    error_reason: string;
    retry_count: number;
    replay_result: string | null;
  }[];
}

describe('alert-publisher end to end (PostgreSQL, local targets, fake clock)', async () => {
  if (!(await isPostgresReachable())) {
    it('runs against PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let clock: FakeClock;
  let ok: TargetServer;
  let flaky: TargetServer;
  let scratch: { url: string; drop: () => Promise<void> };
  let running: RunningApp;
  let url: string;

  before(async () => {
    clock = createFakeClock();
    ok = await startTargetServer({ status: 200 });
    flaky = await startTargetServer({ status: 503, body: 'down' });
    scratch = await createScratchDatabase();
    running = await startApp({ yaml: yaml(ok.url, flaky.url), databaseUrl: scratch.url, clock });
    url = running.url;
  });
  after(async () => {
    await running.stop();
    await ok.close();
    await flaky.close();
    await scratch.drop();
  });

  it('delivers an Alertmanager payload to the matching target and reports the job succeeded', async () => {
    const alert = anAlert({ team: 'ops', severity: 'critical' });
    const res = await call(url, 'POST', '/webhook', { json: payload([alert]), token: HOOK });
    assert.equal(res.status, 202);
    const [jobId] = (res.body as { job_ids: string[] }).job_ids;
    const [request] = await ok.waitForRequests(1);
    const sent = request?.json as {
      job_id: string;
      alert: { fingerprint: string; labels: Record<string, string> };
    };
    assert.equal(sent.job_id, jobId);
    assert.equal(sent.alert.fingerprint, alert.fingerprint);
    const job = await eventually('job succeeded', async () => {
      const one = await call(url, 'GET', `/api/v2/publishing/queue/jobs/${jobId ?? ''}`, {
        token: READ,
      });
      const body = one.body as { state: string; priority: string };
      return body.state === 'succeeded' ? body : undefined;
    });
    assert.equal(job.priority, 'high');
  });

  it('retries a failing target on the backoff schedule, then dead-letters it (visible in the API)', async () => {
    const res = await call(url, 'POST', '/webhook', {
      json: payload([anAlert({ team: 'db' })]),
      token: HOOK,
    });
    assert.equal(res.status, 202);
    await flaky.waitForRequests(1);
    for (const [delayMs, count] of [
      [2_000, 2],
      [4_000, 3],
      [8_000, 4],
    ] as const) {
      await clock.advance(delayMs);
      await flaky.waitForRequests(count);
    }
    const page = await eventually('dead letter stored', async () => {
      await clock.advance(100);
      const list = await call(url, 'GET', '/api/v2/publishing/dlq?target=flaky', { token: READ });
      const body = list.body as Page;
      return body.entries.length === 1 ? body : undefined;
    });
    assert.equal(flaky.requests.length, 4);
    assert.equal(page.entries[0]?.error_reason, 'server_error');
    assert.equal(page.entries[0]?.retry_count, 3);
  });

  it('replays the dead letter once the target is healthy, and refuses a second replay', async () => {
    flaky.setDefault({ status: 200 });
    const list = await call(url, 'GET', '/api/v2/publishing/dlq?target=flaky', { token: READ });
    const entry = (list.body as Page).entries[0];
    assert.ok(entry !== undefined);
    const before = flaky.requests.length;
    const replay = await call(url, 'POST', `/api/v2/publishing/dlq/${entry.id}/replay`, {
      token: API,
    });
    assert.equal(replay.status, 202);
    await flaky.waitForRequests(before + 1);
    const outcome = await eventually('replay outcome recorded', async () => {
      const one = await call(url, 'GET', `/api/v2/publishing/dlq/${entry.id}`, { token: READ });
      const body = one.body as { replay_result: string | null };
      return body.replay_result === 'succeeded' ? body : undefined;
    });
    assert.equal(outcome.replay_result, 'succeeded');
    const again = await call(url, 'POST', `/api/v2/publishing/dlq/${entry.id}/replay`, {
      token: API,
    });
    assert.equal(again.status, 409);
    // "Letters waiting" clears with the replay; the replayed entry stays until retention.
    const metrics = await call(url, 'GET', '/metrics');
    assert.match(metrics.text, /^alert_publisher_dlq_entries\{replayed="false"\} 0$/m);
    assert.match(metrics.text, /^alert_publisher_dlq_entries\{replayed="true"\} 1$/m);
  });

  it('reports DLQ stats and purges by age', async () => {
    const stats = await call(url, 'GET', '/api/v2/publishing/dlq/stats', { token: READ });
    assert.equal((stats.body as { total: number }).total, 1);
    const keep = await call(url, 'DELETE', '/api/v2/publishing/dlq/purge?older_than=720h', {
      token: API,
    });
    assert.deepEqual(keep.body, { deleted_count: 0 });
    await clock.advance(60_000);
    const purge = await call(url, 'DELETE', '/api/v2/publishing/dlq/purge?older_than=30s', {
      token: API,
    });
    assert.deepEqual(purge.body, { deleted_count: 1 });
  });

  it('answers 404 for an unknown dead letter, to reads and deletes alike', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const get = await call(url, 'GET', `/api/v2/publishing/dlq/${id}`, { token: READ });
    assert.equal(get.status, 404);
    assert.equal(errorCode(get.body), 'not_found');
    const del = await call(url, 'DELETE', `/api/v2/publishing/dlq/${id}`, { token: API });
    assert.equal(del.status, 404);
    const replay = await call(url, 'POST', `/api/v2/publishing/dlq/${id}/replay`, { token: API });
    assert.equal(replay.status, 404);
  });

  it('sends a labelled test alert to a target on request', async () => {
    const before = ok.requests.length;
    const res = await call(url, 'POST', '/api/v2/publishing/targets/ops/test', { token: API });
    assert.equal(res.status, 200);
    const body = res.body as { ok: boolean; http_status: number; target: string };
    assert.equal(body.ok, true);
    assert.equal(body.http_status, 200);
    const requests = await ok.waitForRequests(before + 1);
    const sent = requests.at(-1)?.json as { alert: { labels: Record<string, string> } };
    assert.equal(sent.alert.labels['alertname'], 'AlertPublisherTest');
  });

  it('enforces auth: webhook token, api token, read-only token', async () => {
    const noHook = await call(url, 'POST', '/webhook', {
      json: payload([anAlert({ team: 'ops' })]),
    });
    assert.equal(noHook.status, 401);
    assert.equal((await call(url, 'GET', '/api/v2/publishing/targets')).status, 401);
    const readWrite = await call(url, 'DELETE', '/api/v2/publishing/dlq/purge?older_than=1h', {
      token: READ,
    });
    assert.equal(readWrite.status, 403);
    assert.equal(errorCode(readWrite.body), 'forbidden');
  });

  it('lists targets with breaker state and exposes every SPEC metric family', async () => {
    const targets = await call(url, 'GET', '/api/v2/publishing/targets', { token: READ });
    const names = (targets.body as { targets: { name: string; breaker_state: string }[] }).targets;
    assert.deepEqual(
      names.map((t) => t.name),
      ['ops', 'flaky'],
    );
    const metrics = await call(url, 'GET', '/metrics');
    for (const family of [
      'alert_publisher_alerts_received_total',
      'alert_publisher_attempts_total',
      'alert_publisher_dlq_writes_total',
      'alert_publisher_build_info',
    ]) {
      assert.match(metrics.text, new RegExp(`^# TYPE ${family} `, 'm'));
    }
    assert.match(metrics.text, /^alert_publisher_alerts_received_total\{result="routed"\} 2$/m);
    // One replay that succeeded; its entry was purged since.
    assert.match(metrics.text, /^alert_publisher_dlq_replays_total\{result="succeeded"\} 1$/m);
    await eventually('the recount after the purge', async () => {
      const text = (await call(url, 'GET', '/metrics')).text;
      return /^alert_publisher_dlq_entries\{replayed="true"\} 0$/m.test(text);
    });
  });
});
