import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import type { FakeClock } from '../support/fake-clock.js';
import { createFakeClock } from '../support/fake-clock.js';
import { eventually } from '../support/eventually.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

const READ = 'read-token-console';

function yaml(okUrl: string, badUrl: string): string {
  return `
auth: { read_token: "${READ}" }
retry: { max_retries: 0 }
targets:
  - name: ops
    type: webhook
    url: "${okUrl}/hook"
    match: ['team="ops"']
  - name: broken
    type: webhook
    url: "${badUrl}/hook"
    match: ['team="db"']
`;
}

interface History {
  interval_seconds: number;
  window_seconds: number;
  buckets: { start: string; end: string; deliveries: number; failures: Record<string, number> }[];
}

interface TargetList {
  targets: { name: string; last_success_at: string | null; last_failure_at: string | null }[];
}

interface Stats {
  by_target_reason: { target: string; reason: string; count: number; replayed: number }[];
}

/** The API the console reads: history, target activity, grouped DLQ counts, access. */
describe('console API on the real app (fake clock)', async () => {
  if (!(await isPostgresReachable())) {
    it('runs against PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let clock: FakeClock;
  let ok: TargetServer;
  let bad: TargetServer;
  let scratch: { url: string; drop: () => Promise<void> };
  let running: RunningApp;

  before(async () => {
    clock = createFakeClock();
    ok = await startTargetServer({ status: 200 });
    bad = await startTargetServer({ status: 400, body: 'bad request' });
    scratch = await createScratchDatabase();
    running = await startApp({ yaml: yaml(ok.url, bad.url), databaseUrl: scratch.url, clock });
  });
  after(async () => {
    await running.stop();
    await ok.close();
    await bad.close();
    await scratch.drop();
  });

  const read = (path: string) => call(running.url, 'GET', path, { token: READ });

  it('counts deliveries and failures by reason per 10 s and tells each target’s last success and failure', async () => {
    const alerts = [anAlert({ team: 'ops' }), anAlert({ team: 'ops', instance: 'b' })];
    const submit = async (alert: ReturnType<typeof anAlert>) =>
      call(running.url, 'POST', '/api/v2/publishing/queue/submit', { json: { alert } });
    for (const alert of [...alerts, anAlert({ team: 'db' })]) {
      assert.equal((await submit(alert)).status, 202);
    }
    await eventually('3 deliveries tried', () => ok.requests.length + bad.requests.length === 3);
    await eventually('the failure dead-lettered', async () => {
      const stats = await read('/api/v2/publishing/dlq/stats');
      return (stats.body as Stats).by_target_reason.length === 1;
    });
    await clock.advance(10_000);

    const history = await read('/api/v2/publishing/queue/history');
    assert.equal(history.status, 200);
    const body = history.body as History;
    assert.deepEqual([body.interval_seconds, body.window_seconds], [10, 900]);
    assert.deepEqual(
      body.buckets.map((b) => [b.deliveries, b.failures]),
      [[2, { client_error: 1 }]],
    );
    const sampledAt = new Date(clock.now()).toISOString();
    assert.equal(body.buckets[0]?.end, sampledAt);

    const targets = (await read('/api/v2/publishing/targets')).body as TargetList;
    const byName = new Map(targets.targets.map((t) => [t.name, t]));
    // The last success is exact (the deliveries happened before the clock moved).
    assert.deepEqual(
      [byName.get('ops')?.last_success_at, byName.get('ops')?.last_failure_at],
      ['2026-11-29T12:00:00.000Z', null],
    );
    assert.deepEqual(
      [byName.get('broken')?.last_success_at, byName.get('broken')?.last_failure_at],
      [null, sampledAt],
    );

    const stats = (await read('/api/v2/publishing/dlq/stats')).body as Stats;
    assert.deepEqual(stats.by_target_reason, [
      { target: 'broken', reason: 'client_error', count: 1, replayed: 0 },
    ]);
  });

  it('moves a target’s last failure and last success to a target test, counted in no bucket', async () => {
    await clock.advance(3_000);
    const testedAt = new Date(clock.now()).toISOString();
    const test = (name: string) =>
      call(running.url, 'POST', `/api/v2/publishing/targets/${name}/test`);
    ok.setDefault({ status: 503, body: 'down' });
    const failed = await test('ops');
    assert.equal(failed.status, 200);
    assert.equal((failed.body as { ok: boolean }).ok, false);
    const opsNow = async () => {
      const res = await read('/api/v2/publishing/targets/ops');
      return res.body as TargetList['targets'][number];
    };
    const afterFailure = await opsNow();
    assert.deepEqual(
      [afterFailure.last_success_at, afterFailure.last_failure_at],
      ['2026-11-29T12:00:00.000Z', testedAt],
    );

    await clock.advance(2_000);
    ok.setDefault({ status: 200 });
    assert.equal(((await test('ops')).body as { ok: boolean }).ok, true);
    const afterSuccess = await opsNow();
    assert.deepEqual(
      [afterSuccess.last_success_at, afterSuccess.last_failure_at],
      [new Date(clock.now()).toISOString(), testedAt],
    );

    await clock.advance(5_000);
    const history = (await read('/api/v2/publishing/queue/history')).body as History;
    assert.equal(history.buckets.at(-1)?.deliveries, 0);
    assert.deepEqual(history.buckets.at(-1)?.failures, {});
  });

  it('tells a client what the write rule allows it: without api_token, the read token still only reads', async () => {
    // Loopback writes need no token here, but the read token never writes (SPEC §9).
    const reader = await read('/api/v2/publishing/access');
    assert.deepEqual(reader.body, {
      can_write: false,
      auth_required: true,
      write_rule: 'loopback_only',
    });
    const anonymous = await call(running.url, 'GET', '/api/v2/publishing/access');
    assert.equal(anonymous.status, 401);
  });
});
