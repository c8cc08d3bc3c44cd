import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../../support/builders.js';
import { isPostgresReachable } from '../../support/databases.js';
import type { FakeClock } from '../../support/fake-clock.js';
import { createFakeClock } from '../../support/fake-clock.js';
import type { RunningApp } from '../../support/service-app.js';
import { eventually } from '../../support/eventually.js';
import { startApp } from '../../support/service-app.js';
import { call } from '../../support/service-http.js';
import type { TargetServer } from '../../support/target-server.js';
import { startTargetServer } from '../../support/target-server.js';
import { migratedScratchDatabase } from './support/scratch-database.js';
import type { ScratchDatabase } from './support/scratch-database.js';

function yaml(okUrl: string, flakyUrl: string): string {
  return `
queue:
  mode: durable
  # Virtual time runs ahead of real heartbeats here: a long lease keeps it from lapsing.
  durable: { heartbeat: 1s, poll_interval: 1s, lease: 10m }
# max_job_age 3s: a job of the failing target is dead-lettered after its retries instead of
# waiting for the target (docs/how-it-works.md, Retries).
retry: { max_retries: 1, base: 2s, factor: 2, max_delay: 30s, jitter: 0s, max_job_age: 3s }
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

interface JobBody {
  id: string;
  state: string;
  priority: string;
  target: string;
  attempts: number;
}

describe('alert-publisher in durable mode end to end (PostgreSQL, local targets)', async () => {
  if (!(await isPostgresReachable())) {
    it('runs against PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let clock: FakeClock;
  let ok: TargetServer;
  let flaky: TargetServer;
  let database: ScratchDatabase;
  let first: RunningApp;
  let second: RunningApp;

  before(async () => {
    clock = createFakeClock();
    ok = await startTargetServer({ status: 200 });
    flaky = await startTargetServer({ status: 503, body: 'down' });
    database = await migratedScratchDatabase(2);
    const config = { yaml: yaml(ok.url, flaky.url), databaseUrl: database.url, clock };
    first = await startApp(config);
    second = await startApp(config);
  });
  after(async () => {
    await first.stop();
    await second.stop();
    await ok.close();
    await flaky.close();
    await database.drop();
  });

  const jobOf = async (app: RunningApp, id: string): Promise<JobBody | undefined> => {
    const res = await call(app.url, 'GET', `/api/v2/publishing/queue/jobs/${id}`);
    return res.status === 200 ? (res.body as JobBody) : undefined;
  };

  it('stores the job before the 202, delivers it, and either instance reports it succeeded', async () => {
    const alert = anAlert({ team: 'ops', severity: 'critical' });
    const res = await call(first.url, 'POST', '/webhook', { json: payload([alert]) });
    assert.equal(res.status, 202);
    const [jobId = ''] = (res.body as { job_ids: string[] }).job_ids;
    const stored = await database.db.query<{ target_name: string; priority: string }>(
      'SELECT target_name, priority FROM publishing_jobs WHERE id = $1',
      [jobId],
    );
    assert.deepEqual(stored.rows, [{ target_name: 'ops', priority: 'high' }]);

    const [request] = await ok.waitForRequests(1);
    assert.equal((request?.json as { job_id: string }).job_id, jobId);
    for (const app of [first, second]) {
      const job = await eventually('succeeded', async () => {
        const body = await jobOf(app, jobId);
        return body?.state === 'succeeded' ? body : undefined;
      });
      assert.equal(job.attempts, 1);
      assert.equal(job.priority, 'high');
    }
    assert.equal(ok.requests.length, 1, 'delivered once although two instances run');
    const lastSuccess = /^alert_publisher_last_success_timestamp_seconds\{target="ops"\} (\S+)$/m;
    const seen = await eventually('a last success time', async () => {
      const texts = await Promise.all(
        [first, second].map((app) => call(app.url, 'GET', '/metrics')),
      );
      const values = texts.flatMap((res) => lastSuccess.exec(res.text)?.[1] ?? []);
      return values.length > 0 ? values : undefined;
    });
    assert.deepEqual(seen, [String(clock.now() / 1000)], 'set by the instance that delivered');
  });

  it('retries a failing target, then stores the job and its dead letter together', async () => {
    const res = await call(second.url, 'POST', '/webhook', {
      json: payload([anAlert({ team: 'db' })]),
    });
    assert.equal(res.status, 202);
    const [jobId = ''] = (res.body as { job_ids: string[] }).job_ids;
    await flaky.waitForRequests(1);
    const retrying = await eventually('retrying', async () => {
      const body = await jobOf(first, jobId);
      return body?.state === 'retrying' ? body : undefined;
    });
    assert.equal(retrying.attempts, 1);
    await eventually('second attempt after the 2 s backoff', async () => {
      await clock.advance(500);
      return flaky.requests.length === 2 ? true : undefined;
    });
    const dead = await eventually('dead-lettered', async () => {
      const body = await jobOf(first, jobId);
      return body?.state === 'dlq' ? body : undefined;
    });
    assert.equal(dead.attempts, 2);
    const letters = await call(first.url, 'GET', '/api/v2/publishing/dlq?target=flaky');
    const entries = (letters.body as { entries: { job_id: string; error_reason: string }[] })
      .entries;
    assert.deepEqual(
      entries.map((e) => [e.job_id, e.error_reason]),
      [[jobId, 'server_error']],
    );
  });

  it('is ready while the database answers, and says it runs durable', async () => {
    const res = await call(first.url, 'GET', '/readyz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      status: 'ready',
      stopping: false,
      mode: 'durable',
      database: 'ok',
    });
  });
});
