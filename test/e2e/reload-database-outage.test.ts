import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import type { FakeClock } from '../support/fake-clock.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';
import { proxyToTestDatabase, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * Durable mode: a reload that removes a target while PostgreSQL is blackholed is applied whole
 * (the new targets at once, in the app and in the engine), and the removed target's waiting
 * jobs all become `target_removed` letters once the database answers again. It answered 503,
 * the app kept the old targets while the engine had dropped them, and a job of the removed
 * target stayed `retrying` for ever.
 */

function target(name: string, url: string, team: string): string {
  return `  - { name: ${name}, type: webhook, url: "${url}/hook", match: ['team="${team}"'] }\n`;
}

function yaml(targets: string): string {
  return `queue:
  mode: durable
  # Virtual time runs ahead of real heartbeats here: a long lease keeps it from lapsing.
  durable: { heartbeat: 1s, poll_interval: 1s, lease: 10m }
retry: { max_retries: 10, base: 60s, jitter: 0s }
targets:
${targets}`;
}

interface Job {
  state: string;
}

interface Letter {
  target_name: string;
  error_reason: string;
}

describe('config reload while PostgreSQL is blackholed (durable mode)', async () => {
  if (!(await isPostgresReachable())) {
    it('needs PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let proxy: TcpProxy;
  let keep: TargetServer;
  let hookC: TargetServer;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let clock: FakeClock;
  let running: RunningApp;
  let current: string;

  before(async () => {
    proxy = await proxyToTestDatabase();
    keep = await startTargetServer();
    hookC = await startTargetServer({ status: 500 });
  });
  after(async () => {
    await keep.close();
    await hookC.close();
    await proxy.close();
  });
  beforeEach(async () => {
    scratch = await createScratchDatabase();
    clock = createFakeClock(Date.parse('2026-12-06T12:00:00Z'));
    current = yaml(target('keep', keep.url, 'keep') + target('hookC', hookC.url, 'c'));
    running = await startApp({
      yaml: current,
      clock,
      reloadYaml: () => current,
      databaseUrl: proxy.urlFor(scratch.url),
      storage: { connect_timeout: '1s', query_timeout: '1s' },
    });
  });
  afterEach(async () => {
    proxy.restore();
    await running.stop();
    await scratch.drop();
  });

  async function advance(what: string, done: () => Promise<boolean>): Promise<void> {
    await eventually(what, async () => {
      if (await done()) return true;
      await clock.advance(500);
      return false;
    });
  }

  /** Undefined while the database does not answer (503). */
  async function jobStates(target: string): Promise<string[] | undefined> {
    const res = await call(running.url, 'GET', `/api/v2/publishing/queue/jobs?target=${target}`);
    if (res.status === 503) return undefined;
    assert.equal(res.status, 200, res.text);
    return (res.body as { jobs: Job[] }).jobs.map((job) => job.state);
  }

  async function letters(): Promise<Letter[]> {
    const res = await call(running.url, 'GET', '/api/v2/publishing/dlq');
    assert.equal(res.status, 200, res.text);
    return (res.body as { entries: Letter[] }).entries;
  }

  async function targetNames(): Promise<string[]> {
    const res = await call(running.url, 'GET', '/api/v2/publishing/targets');
    return (res.body as { targets: Array<{ name: string }> }).targets.map((t) => t.name).sort();
  }

  it(
    'applies the reload at once and dead-letters every waiting job of the removed target once the database is back',
    { timeout: 120_000 },
    async () => {
      const alerts = ['1', '2', '3'].map((n) => anAlert({ team: 'c', n }));
      const sent = await call(running.url, 'POST', '/webhook', {
        json: { version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'ap', alerts },
      });
      assert.equal(sent.status, 202, sent.text);
      await advance('three hookC jobs retrying', async () => {
        const states = await jobStates('hookC');
        return states?.length === 3 && states.every((state) => state === 'retrying');
      });

      proxy.hang();
      current = yaml(target('keep', keep.url, 'keep'));
      const reloaded = await call(running.url, 'POST', '/-/reload');
      assert.equal(reloaded.status, 200, reloaded.text);
      assert.deepEqual(reloaded.body, {
        status: 'reloaded',
        added: [],
        removed: ['hookC'],
        changed: [],
        dead_lettered: 0,
        dead_letter_deferred: ['hookC'],
        restart_required: [],
        max_alerts_bound: { before: 2500, after: 5000 },
      });
      assert.deepEqual(await targetNames(), ['keep'], 'the new config is the running one');

      proxy.restore();
      await advance('no hookC job left waiting', async () => {
        const states = await jobStates('hookC');
        return states?.length === 3 && states.every((state) => state === 'dlq');
      });
      const removed = (await letters()).filter((l) => l.error_reason === 'target_removed');
      assert.deepEqual(
        removed.map((l) => l.target_name),
        ['hookC', 'hookC', 'hookC'],
      );

      const again = await call(running.url, 'POST', '/-/reload');
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.body, {
        status: 'reloaded',
        added: [],
        removed: [],
        changed: [],
        dead_lettered: 0,
        dead_letter_deferred: [],
        restart_required: [],
        max_alerts_bound: { before: 5000, after: 5000 },
      });
      assert.deepEqual(await targetNames(), ['keep'], 'hookC does not come back');
      assert.equal((await letters()).length, 3, 'nothing dead-lettered twice');
    },
  );
});
