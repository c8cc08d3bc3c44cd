import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Counter } from 'prom-client';

import { anAlert } from '../../test/support/builders.js';
import type { FakeDeps } from '../../test/support/service-fakes.js';
import { createFakeDeps } from '../../test/support/service-fakes.js';
import type { RunningServer } from '../../test/support/service-http.js';
import { call, errorCode, errorPaths, startServer } from '../../test/support/service-http.js';

function payload(alerts: unknown[]): unknown {
  return { version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'ap', alerts };
}

const rawAlert = (labels: Record<string, string>) => ({
  ...anAlert(labels),
  labels: { alertname: 'X', ...labels },
});

describe('HTTP API over a real socket', () => {
  let deps: FakeDeps;
  let running: RunningServer;
  let url: string;

  before(async () => {
    deps = createFakeDeps({ bodyLimitBytes: 64 * 1024, admissionRetryAfterMs: 7_000 });
    new Counter({ name: 'probe_total', help: 'probe', registers: [deps.registry] }).inc();
    running = await startServer(deps);
    url = running.url;
  });
  after(async () => running.close());

  describe('POST /webhook', () => {
    it('accepts an Alertmanager payload with 202 and one job per routed target', async () => {
      const res = await call(url, 'POST', '/webhook', {
        json: payload([rawAlert({ team: 'db' })]),
      });
      assert.equal(res.status, 202);
      assert.deepEqual(Object.keys(res.body as object).sort(), ['job_ids', 'rejected']);
      const body = res.body as { job_ids: string[]; rejected: unknown[] };
      assert.equal(body.job_ids.length, 1);
      assert.deepEqual(body.rejected, []);
      assert.equal(deps.engine.submitted.at(-1)?.target, 'hook');
    });

    it('counts the alerts Alertmanager left out of a payload (truncatedAlerts)', async () => {
      const before = deps.received.truncated;
      const res = await call(url, 'POST', '/webhook', {
        json: { ...(payload([rawAlert({})]) as object), truncatedAlerts: 250 },
      });
      assert.equal(res.status, 202);
      assert.equal(deps.received.truncated, before + 250);
    });

    it('reports invalid alerts in rejected and queues the valid ones', async () => {
      const before = deps.received.rejected;
      const res = await call(url, 'POST', '/webhook', {
        json: payload([rawAlert({}), { labels: { severity: 'critical' } }]),
      });
      assert.equal(res.status, 202);
      assert.deepEqual((res.body as { rejected: unknown }).rejected, [
        { index: 1, reason: 'body.alerts[1].labels.alertname: required' },
      ]);
      assert.equal(deps.received.rejected, before + 1);
    });

    it('answers 400 when every alert is invalid and counts them rejected', async () => {
      const before = deps.received.rejected;
      const res = await call(url, 'POST', '/webhook', { json: payload([{ labels: {} }]) });
      assert.equal(res.status, 400);
      assert.equal(deps.received.rejected, before + 1);
      assert.equal(errorCode(res.body), 'invalid_request');
      assert.deepEqual(errorPaths(res.body), ['body.alerts[0]']);
    });

    it('answers 400 for a body that is not a payload', async () => {
      const res = await call(url, 'POST', '/webhook', { json: { hello: 'world' } });
      assert.equal(res.status, 400);
      assert.deepEqual(errorPaths(res.body), ['body.alerts']);
    });

    it('answers 400 in the envelope for malformed JSON', async () => {
      const res = await call(url, 'POST', '/webhook', { raw: '{"alerts": [' });
      assert.equal(res.status, 400);
      assert.equal(errorCode(res.body), 'invalid_request');
      assert.deepEqual(errorPaths(res.body), ['body']);
      const token = await call(url, 'POST', '/webhook', { raw: '{\n "alerts": [],\n "x": }' });
      assert.equal(
        (token.body as { error: { message: string } }).error.message,
        'the body is not valid JSON: unexpected character "}" at line 3, column 7',
      );
    });

    it('answers 413 for a body over the limit', async () => {
      const big = 'x'.repeat(70 * 1024);
      const res = await call(url, 'POST', '/webhook', { json: payload([rawAlert({ big })]) });
      assert.equal(res.status, 413);
      assert.equal(errorCode(res.body), 'payload_too_large');
    });

    it('answers 415 for a body that is not JSON', async () => {
      const res = await call(url, 'POST', '/webhook', {
        raw: 'alertname=X',
        headers: { 'content-type': 'text/plain' },
      });
      assert.equal(res.status, 415);
      assert.equal(errorCode(res.body), 'unsupported_media_type');
    });

    it('counts an alert matching no target and still answers 202', async () => {
      const before = deps.received.unrouted;
      const res = await call(url, 'POST', '/webhook', {
        json: payload([rawAlert({ route: 'none' })]),
      });
      assert.equal(res.status, 202);
      assert.deepEqual((res.body as { job_ids: unknown }).job_ids, []);
      assert.equal(deps.received.unrouted, before + 1);
    });

    it('answers 503 with Retry-After when the lane is full and queues nothing', async () => {
      deps.engine.nextResult = {
        ok: false,
        code: 'queue_full',
        priority: 'medium',
        retryAfterMs: 2500,
      };
      const res = await call(url, 'POST', '/webhook', { json: payload([rawAlert({})]) });
      deps.engine.nextResult = undefined;
      assert.equal(res.status, 503);
      assert.equal(res.headers['retry-after'], '3');
      assert.equal(errorCode(res.body), 'queue_full');
    });

    it('answers 413 batch_too_large when the batch exceeds a lane', async () => {
      deps.engine.nextResult = {
        ok: false,
        code: 'batch_too_large',
        priority: 'medium',
        capacity: 10,
        size: 11,
      };
      const res = await call(url, 'POST', '/webhook', { json: payload([rawAlert({})]) });
      deps.engine.nextResult = undefined;
      assert.equal(res.status, 413);
      assert.equal(errorCode(res.body), 'batch_too_large');
    });

    it('names the target whose share of a lane a 413 or a 503 is about, and the key to change', async () => {
      const messageOf = async (result: typeof deps.engine.nextResult): Promise<string> => {
        deps.engine.nextResult = result;
        const res = await call(url, 'POST', '/webhook', { json: payload([rawAlert({})]) });
        deps.engine.nextResult = undefined;
        return (res.body as { error: { message: string } }).error.message;
      };
      const tooLarge = await messageOf({
        ok: false,
        code: 'batch_too_large',
        priority: 'low',
        capacity: 4,
        size: 10,
        target: 'hookA',
      });
      assert.equal(
        tooLarge,
        "10 low jobs for target hookA exceed its share of the low lane, 4 jobs (queue.per_target_share × queue.capacity.low): lower Alertmanager's max_alerts or raise the capacity",
      );
      const full = await messageOf({
        ok: false,
        code: 'queue_full',
        priority: 'low',
        retryAfterMs: 1000,
        share: { target: 'hookA', held: 4, limit: 4 },
      });
      assert.equal(full, 'the low lane\'s share of target "hookA" is full (4 of 4); retry later');
    });

    it('answers 503 stopping while the engine stops', async () => {
      deps.engine.nextResult = { ok: false, code: 'stopping', retryAfterMs: 1000 };
      const res = await call(url, 'POST', '/webhook', { json: payload([rawAlert({})]) });
      deps.engine.nextResult = undefined;
      assert.equal(res.status, 503);
      assert.equal(res.headers['retry-after'], '1');
      assert.equal(errorCode(res.body), 'stopping');
    });
  });

  describe('POST /api/v2/publishing/queue/submit', () => {
    const path = '/api/v2/publishing/queue/submit';

    it('queues one job per named target', async () => {
      const res = await call(url, 'POST', path, {
        json: { alert: rawAlert({}), targets: ['hook'] },
      });
      assert.equal(res.status, 202);
      assert.equal((res.body as { job_ids: string[] }).job_ids.length, 1);
    });

    it('answers 400 naming a disabled target', async () => {
      const res = await call(url, 'POST', path, {
        json: { alert: rawAlert({}), targets: ['off'] },
      });
      assert.equal(res.status, 400);
      assert.deepEqual(errorPaths(res.body), ['body.targets']);
    });

    it('answers 400 naming an unknown target', async () => {
      const res = await call(url, 'POST', path, {
        json: { alert: rawAlert({}), targets: ['nope'] },
      });
      assert.equal(res.status, 400);
      assert.deepEqual(errorPaths(res.body), ['body.targets']);
    });

    it('answers 400 naming the alert when alertname is missing', async () => {
      const res = await call(url, 'POST', path, { json: { alert: { labels: { team: 'db' } } } });
      assert.equal(res.status, 400);
      assert.deepEqual(errorPaths(res.body), ['body.alert']);
    });
  });

  describe('queue', () => {
    it('reports lanes in snake_case with seconds', async () => {
      const res = await call(url, 'GET', '/api/v2/publishing/queue/status');
      assert.equal(res.status, 200);
      const body = res.body as {
        lanes: Record<string, Record<string, number | null>>;
        busy_workers: number;
        instance: string;
      };
      assert.equal(body.lanes['medium']?.['oldest_due_age_seconds'], 1.5);
      assert.equal(body.instance, 'fake-1');
      assert.equal(body.lanes['medium']?.['max_wait_seconds'], 10);
      assert.equal(body.lanes['high']?.['max_wait_seconds'], null);
      assert.equal(body.busy_workers, 0);
    });

    it('reports stats with breaker states per target', async () => {
      const res = await call(url, 'GET', '/api/v2/publishing/queue/stats');
      assert.equal(res.status, 200);
      const body = res.body as {
        breakers: Record<string, { state: string }>;
        success_rate: number;
      };
      assert.equal(body.breakers['hook']?.state, 'closed');
      assert.equal(body.success_rate, 1);
    });

    it('lists jobs and shows one with ISO-8601 times', async () => {
      const list = await call(url, 'GET', '/api/v2/publishing/queue/jobs?state=queued&limit=2');
      assert.equal(list.status, 200);
      const jobs = (list.body as { jobs: { id: string }[] }).jobs;
      assert.equal(jobs.length, 2);
      const one = await call(url, 'GET', `/api/v2/publishing/queue/jobs/${jobs[0]?.id ?? ''}`);
      assert.equal(one.status, 200);
      assert.equal((one.body as { submitted_at: string }).submitted_at, '2026-11-29T12:00:00.000Z');
    });

    it('answers 404 for an unknown job and 400 for a malformed id', async () => {
      const unknown = await call(
        url,
        'GET',
        '/api/v2/publishing/queue/jobs/00000000-0000-4000-8000-000000000000',
      );
      assert.equal(unknown.status, 404);
      assert.equal(errorCode(unknown.body), 'not_found');
      const bad = await call(url, 'GET', '/api/v2/publishing/queue/jobs/not-a-uuid');
      assert.equal(bad.status, 400);
      assert.deepEqual(errorPaths(bad.body), ['params.id']);
    });

    it('answers 400 naming a bad job filter', async () => {
      const res = await call(url, 'GET', '/api/v2/publishing/queue/jobs?state=lost');
      assert.equal(res.status, 400);
      assert.deepEqual(errorPaths(res.body), ['query.state']);
    });
  });

  describe('health and metrics', () => {
    it('answers liveness, readiness and the injected registry', async () => {
      assert.equal((await call(url, 'GET', '/healthz')).status, 200);
      const ready = await call(url, 'GET', '/readyz');
      assert.deepEqual(ready.body, {
        status: 'ready',
        stopping: false,
        mode: 'memory',
        database: 'ok',
      });
      const metrics = await call(url, 'GET', '/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /^probe_total 1$/m);
    });

    it('answers unknown routes with 404 in the envelope', async () => {
      const res = await call(url, 'GET', '/api/v2/nothing-here');
      assert.equal(res.status, 404);
      assert.equal(errorCode(res.body), 'not_found');
    });

    it('answers a known path under another method with 405 and the methods it allows', async () => {
      const webhook = await call(url, 'GET', '/webhook');
      assert.equal(webhook.status, 405);
      assert.equal(webhook.headers['allow'], 'POST');
      assert.equal(errorCode(webhook.body), 'method_not_allowed');
      const stats = await call(url, 'POST', '/api/v2/publishing/dlq/stats', { json: {} });
      assert.equal(stats.status, 405);
      assert.equal(stats.headers['allow'], 'DELETE, GET, HEAD');
      const asset = await call(url, 'POST', '/ui/assets/app.js');
      assert.equal(asset.status, 405);
      assert.equal(asset.headers['allow'], 'GET, HEAD');
    });
  });

  describe('draining', () => {
    it('refuses new alerts with 503 and Retry-After from queue.admission_retry_after, and reports not ready', async () => {
      running.server.drain();
      const res = await call(url, 'POST', '/webhook', { json: payload([rawAlert({})]) });
      assert.equal(res.status, 503);
      assert.equal(res.headers['retry-after'], '7');
      const ready = await call(url, 'GET', '/readyz');
      assert.equal(ready.status, 503);
      assert.equal((ready.body as { stopping: boolean }).stopping, true);
    });
  });
});

describe('readiness by storage mode', () => {
  it('stays ready in memory mode without the database and reports it degraded', async () => {
    const running = await startServer(
      createFakeDeps({
        readiness: { mode: 'memory', databaseReachable: () => Promise.resolve(false) },
      }),
    );
    const res = await call(running.url, 'GET', '/readyz');
    await running.close();
    assert.equal(res.status, 200);
    assert.equal((res.body as { database: string }).database, 'degraded');
  });

  it('is not ready in durable mode without the database', async () => {
    const running = await startServer(
      createFakeDeps({
        readiness: { mode: 'durable', databaseReachable: () => Promise.resolve(false) },
      }),
    );
    const res = await call(running.url, 'GET', '/readyz');
    await running.close();
    assert.equal(res.status, 503);
    assert.equal((res.body as { database: string }).database, 'unavailable');
  });
});
