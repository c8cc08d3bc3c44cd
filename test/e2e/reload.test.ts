import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import { LANE_CAPACITY } from '../../src/config/schema.js';
import { anAlert } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import type { FakeClock } from '../support/fake-clock.js';
import type { ReloadApp } from '../support/reload-fixture.js';
import {
  maxAlertsBound,
  onServer,
  startReloadApp,
  target,
  webhook,
  yaml,
} from '../support/reload-fixture.js';
import type { RunningApp } from '../support/service-app.js';
import { call, errorCode, metricValue } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

interface Servers {
  a: TargetServer;
  a2: TargetServer;
  b: TargetServer;
  c: TargetServer;
}

interface Letter {
  id: string;
  target_name: string;
  error_reason: string;
}

async function letters(url: string): Promise<Letter[]> {
  const page = await call(url, 'GET', '/api/v2/publishing/dlq');
  return (page.body as { entries: Letter[] }).entries;
}

for (const mode of ['memory', 'durable'] as const) {
  describe(`config reload (${mode} mode)`, async () => {
    const database = await onServer(mode);
    let servers: Servers;
    let clock: FakeClock;
    let running: RunningApp;
    let current: string;
    let app: ReloadApp;
    /** The app's log lines at warn and above, parsed. */
    let warnings: Array<Record<string, unknown>>;

    before(async () => {
      servers = {
        a: await startTargetServer(),
        a2: await startTargetServer(),
        b: await startTargetServer({ status: 503 }),
        c: await startTargetServer(),
      };
    });
    const all = (): TargetServer[] => [servers.a, servers.a2, servers.b, servers.c];
    after(async () => {
      await Promise.all(all().map((server) => server.close()));
    });
    beforeEach(async () => {
      for (const server of all()) server.requests.length = 0;
      servers.b.setDefault({ status: 503 });
      current = yaml(mode, target('a', servers.a.url, 'a') + target('b', servers.b.url, 'b'));
      app = await startReloadApp({
        initial: current,
        reloadYaml: () => current,
        database,
      });
      ({ running, clock, warnings } = app);
    });
    afterEach(async () => {
      await app.stop();
    });

    const bound = (n: 2 | 6): number => maxAlertsBound(mode, n);

    async function send(team: string, n = team): Promise<void> {
      const res = await call(running.url, 'POST', '/webhook', {
        json: webhook(anAlert({ team, n })),
      });
      assert.equal(res.status, 202);
    }

    async function advance(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
      await eventually(what, async () => {
        if (await done()) return true;
        await clock.advance(200);
        return false;
      });
    }

    it('adds, changes and removes targets; waiting jobs of a removed one become replayable letters', async () => {
      await send('a');
      await advance('a delivered', () => servers.a.requests.length === 1);
      await send('b');
      await advance('b waits for its retry', async () => {
        const jobs = await call(running.url, 'GET', '/api/v2/publishing/queue/jobs?target=b');
        const states = (jobs.body as { jobs: Array<{ state: string }> }).jobs.map((j) => j.state);
        return states.length === 1 && states[0] === 'retrying';
      });

      current = yaml(mode, target('a', servers.a2.url, 'a') + target('c', servers.c.url, 'c'));
      const reloaded = await call(running.url, 'POST', '/-/reload');
      assert.equal(reloaded.status, 200);
      assert.deepEqual(reloaded.body, {
        status: 'reloaded',
        added: ['c'],
        removed: ['b'],
        changed: ['a'],
        dead_lettered: 1,
        dead_letter_deferred: [],
        restart_required: [],
        max_alerts_bound: { before: bound(2), after: bound(2) },
      });
      await advance('the waiting b job dead-lettered', async () =>
        (await letters(running.url)).some((l) => l.error_reason === 'target_removed'),
      );
      const [letter] = await letters(running.url);
      assert.equal(letter?.target_name, 'b');

      await send('a', 'a-again');
      await send('c');
      await advance('new deliveries on the new config', () => {
        return servers.a2.requests.length === 1 && servers.c.requests.length === 1;
      });
      assert.equal(servers.a.requests.length, 1, 'the old URL of a gets nothing new');
      const targets = await call(running.url, 'GET', '/api/v2/publishing/targets');
      const names = (targets.body as { targets: Array<{ name: string }> }).targets.map(
        (t) => t.name,
      );
      assert.deepEqual(names.sort(), ['a', 'c']);

      // b is back and healthy: its letter replays to it.
      servers.b.setDefault({ status: 200 });
      current = yaml(
        mode,
        target('a', servers.a2.url, 'a') +
          target('b', servers.b.url, 'b') +
          target('c', servers.c.url, 'c'),
      );
      assert.equal((await call(running.url, 'POST', '/-/reload')).status, 200);
      const replay = await call(
        running.url,
        'POST',
        `/api/v2/publishing/dlq/${letter?.id ?? ''}/replay`,
      );
      assert.equal(replay.status, 202);
      await advance('the letter delivered to b', () => servers.b.requests.length === 2);
    });

    it('keeps an open breaker through reloads that change retry or match, and resets it for another URL', async () => {
      const metric = (series: string): Promise<string | undefined> =>
        metricValue(running.url, series);
      const reload = async (): Promise<string[]> => {
        const reloaded = await call(running.url, 'POST', '/-/reload');
        assert.equal(reloaded.status, 200);
        return (reloaded.body as { changed: string[] }).changed;
      };
      // A short shutdown_timeout: should an assertion fail with b's job due soon, the stop does
      // not wait for it on the fake clock, and the failure is reported rather than a hang.
      const breaker =
        'circuit_breaker: { failure_threshold: 1, open_timeout: 10m }\nshutdown_timeout: 1s\n';
      const withRetry = (text: string): string =>
        text.replace('retry: { base', 'retry: { max_retries: 9, base');
      const a = target('a', servers.a.url, 'a');
      current = yaml(mode, a + target('b', servers.b.url, 'b'), breaker);
      assert.deepEqual(await reload(), []);
      await send('b');
      await advance('b failed once: its breaker open', async () => {
        return (await metric('circuit_breaker_state{target="b"}')) === '2';
      });

      current = withRetry(yaml(mode, a + target('b', servers.b.url, 'b'), breaker));
      assert.deepEqual((await reload()).sort(), ['a', 'b'], 'the global retry changed both');
      assert.equal(await metric('circuit_breaker_state{target="b"}'), '2', 'still open');
      current = withRetry(yaml(mode, a + target('b', servers.b.url, 'b2'), breaker));
      assert.deepEqual(await reload(), ['b'], 'its match changed');
      assert.equal(await metric('circuit_breaker_state{target="b"}'), '2', 'still open');
      await clock.advance(120_000); // past its retry time: the breaker holds it
      assert.equal(servers.b.requests.length, 1, 'nothing sent to b while it is open');
      assert.equal(
        await metric('circuit_breaker_transitions_total{target="b",to="closed"}'),
        undefined,
      );

      current = withRetry(yaml(mode, a + target('b', servers.c.url, 'b2'), breaker));
      assert.deepEqual(await reload(), ['b'], 'its URL changed');
      assert.equal(await metric('circuit_breaker_state{target="b"}'), '0');
      assert.equal(await metric('circuit_breaker_transitions_total{target="b",to="closed"}'), '1');
      const closed = warnings.filter(
        (line) => line['msg'] === 'circuit breaker changed state' && line['to'] === 'closed',
      );
      assert.deepEqual(
        closed.map((line) => [line['target'], line['reason']]),
        [['b', 'reload: the target sends to another endpoint']],
      );
      await advance('the waiting b job sent to its new URL', () => servers.c.requests.length === 1);
    });

    it('exposes the counters the alert rules read at 0 from the start, for an added target too', async () => {
      const zero = (text: string, series: string): boolean =>
        text.split('\n').includes(`alert_publisher_${series} 0`);
      let text = await (await fetch(`${running.url}/metrics`)).text();
      assert.ok(zero(text, 'alerts_received_total{result="truncated"}'), text);
      assert.ok(zero(text, 'dlq_writes_total{target="b",error_type="transient"}'), text);
      assert.ok(zero(text, 'submissions_total{priority="high",result="rejected"}'), text);
      assert.ok(!text.includes('target="c"'), 'c is not configured yet');

      current += target('c', servers.c.url, 'c');
      assert.equal((await call(running.url, 'POST', '/-/reload')).status, 200);
      text = await (await fetch(`${running.url}/metrics`)).text();
      assert.ok(zero(text, 'dlq_writes_total{target="c",error_type="permanent"}'), text);
      assert.ok(zero(text, 'attempts_total{target="c",outcome="failure",reason="timeout"}'), text);
    });

    it('disabling a target stops its deliveries: its waiting job becomes a replayable letter', async () => {
      await send('b');
      await advance('b waits for its retry', async () => {
        const jobs = await call(running.url, 'GET', '/api/v2/publishing/queue/jobs?target=b');
        const states = (jobs.body as { jobs: Array<{ state: string }> }).jobs.map((j) => j.state);
        return states.length === 1 && states[0] === 'retrying';
      });
      servers.b.setDefault({ status: 200 });
      current = yaml(
        mode,
        target('a', servers.a.url, 'a') + target('b', servers.b.url, 'b', ', enabled: false'),
      );
      const reloaded = await call(running.url, 'POST', '/-/reload');
      assert.equal(reloaded.status, 200);
      assert.deepEqual((reloaded.body as { removed: string[] }).removed, ['b']);
      await advance('the waiting b job dead-lettered', async () =>
        (await letters(running.url)).some((l) => l.error_reason === 'target_removed'),
      );
      await clock.advance(120_000); // past its retry time: nothing more is sent to b
      assert.equal(servers.b.requests.length, 1, 'only the first attempt reached b');
      const targets = await call(running.url, 'GET', '/api/v2/publishing/targets');
      const b = (
        targets.body as { targets: Array<{ name: string; enabled: boolean }> }
      ).targets.find((t) => t.name === 'b');
      assert.equal(b?.enabled, false, 'a disabled target is still listed');
    });

    it('keeps the running config and reports every problem when the file is invalid', async () => {
      current = yaml(mode, target('a', servers.a.url, 'a'), 'queue_typo: 1\n').replace(
        'queue: { mode',
        'queue: { workers: -1, mode',
      );
      const refused = await call(running.url, 'POST', '/-/reload');
      assert.equal(refused.status, 422);
      assert.equal(errorCode(refused.body), 'invalid_config');
      const paths = (refused.body as { error: { details: Array<{ path: string }> } }).error.details
        .map((d) => d.path)
        .sort();
      assert.deepEqual(paths, ['queue.workers', 'queue_typo']);
      assert.match(
        await (await fetch(`${running.url}/metrics`)).text(),
        /alert_publisher_config_last_reload_successful 0/,
      );
      await send('b');
      await advance('b is still configured', () => servers.b.requests.length === 1);

      current = yaml(mode, target('a', servers.a.url, 'a'));
      assert.equal((await call(running.url, 'POST', '/-/reload')).status, 200);
      assert.match(
        await (await fetch(`${running.url}/metrics`)).text(),
        /alert_publisher_config_last_reload_successful 1/,
      );
    });

    // The lease is durable mode's.
    if (mode === 'durable')
      it('refuses a target timeout the lease derived at start does not cover, naming the key', async () => {
        // Derived at start: 10s (the default timeout) + 3 heartbeats of 5s = 25s.
        current = yaml(
          mode,
          target('a', servers.a.url, 'a') +
            target('b', servers.b.url, 'b') +
            target('c', servers.c.url, 'c', ', timeout: 20s'),
        );
        const refused = await call(running.url, 'POST', '/-/reload');
        assert.equal(refused.status, 422);
        assert.equal(errorCode(refused.body), 'invalid_config');
        assert.deepEqual((refused.body as { error: { details: unknown } }).error.details, [
          {
            path: 'targets[2].timeout',
            message:
              '20s plus the heartbeat (5s) must stay under the durable lease (25s, derived at ' +
              'start from the longest timeout; a restart derives it anew)',
          },
        ]);
        assert.match(
          await (await fetch(`${running.url}/metrics`)).text(),
          /alert_publisher_config_last_reload_successful 0/,
        );
        const targets = await call(running.url, 'GET', '/api/v2/publishing/targets');
        const names = (targets.body as { targets: Array<{ name: string }> }).targets.map(
          (t) => t.name,
        );
        assert.deepEqual(names.sort(), ['a', 'b'], 'the running targets are kept');
      });

    it('names the settings that need a restart and keeps their running values', async () => {
      current = yaml(
        mode,
        target('a', servers.a.url, 'a') + target('b', servers.b.url, 'b'),
        'server: { port: 1 }\ntracking: { capacity: 5 }\ndlq: { retention: 1h }\n',
      );
      const reloaded = await call(running.url, 'POST', '/-/reload');
      assert.equal(reloaded.status, 200);
      assert.deepEqual((reloaded.body as { restart_required: string[] }).restart_required, [
        'server.port',
        'tracking.capacity',
        'dlq.retention',
      ]);
      assert.equal((await call(running.url, 'GET', '/healthz')).status, 200);
    });

    // Lane sizes default by mode (docs/configuration.md, Lane sizes); the mode needs a restart.
    const other = mode === 'memory' ? 'durable' : 'memory';
    async function laneCapacities(): Promise<{ status: unknown; metrics: string[] }> {
      const status = await call(running.url, 'GET', '/api/v2/publishing/queue/status');
      const { lanes } = status.body as { lanes: Record<string, { capacity: number }> };
      const text = await (await fetch(`${running.url}/metrics`)).text();
      return {
        status: Object.fromEntries(Object.entries(lanes).map(([k, v]) => [k, v.capacity])),
        metrics: text
          .split('\n')
          .filter((line) => line.startsWith('alert_publisher_queue_capacity{')),
      };
    }

    it(`keeps the ${mode} lane sizes when the file names ${other} mode and no capacity`, async () => {
      const before = await laneCapacities();
      current = yaml(other, target('a', servers.a.url, 'a') + target('b', servers.b.url, 'b'));
      const reloaded = await call(running.url, 'POST', '/-/reload');
      assert.equal(reloaded.status, 200);
      assert.deepEqual((reloaded.body as { restart_required: string[] }).restart_required, [
        'queue.mode',
      ]);
      assert.deepEqual(before.status, { ...LANE_CAPACITY[mode] });
      assert.equal(before.metrics.length, 3);
      assert.deepEqual(await laneCapacities(), before);
    });

    it(`applies a capacity the file sets, the other lanes the ${mode} sizes, whatever mode it names`, async () => {
      current = yaml(
        `${other}, capacity: { high: 7 }`,
        target('a', servers.a.url, 'a') + target('b', servers.b.url, 'b'),
      );
      const reloaded = await call(running.url, 'POST', '/-/reload');
      assert.equal(reloaded.status, 200);
      assert.deepEqual((reloaded.body as { restart_required: string[] }).restart_required, [
        'queue.mode',
      ]);
      const lanes = LANE_CAPACITY[mode];
      assert.deepEqual((await laneCapacities()).status, {
        high: 7,
        medium: lanes.medium,
        low: lanes.low,
      });
    });
  });
}
