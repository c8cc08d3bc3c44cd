import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pace } from 'node:timers/promises';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import type { Alert } from '../../src/domain/alert.js';
import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import type { FakeClock } from '../support/fake-clock.js';
import { createFakeClock, stopMovingClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

/**
 * Unchanged re-sends (docs/alert-state.md) through POST /webhook in both queue modes: an
 * Alertmanager group growing from one alert to three is sent whole twice; a target with
 * resend_after gets each alert once.
 */

function webhook(...alerts: Alert[]): unknown {
  return {
    version: '4',
    groupKey: '{}:{alertname="Disk"}',
    status: 'firing',
    receiver: 'ap',
    alerts,
  };
}

const firing = (n: string): Alert => anAlert({ n }, { startsAt: '2026-12-07T11:00:00Z' });

for (const mode of ['memory', 'durable'] as const) {
  describe(`resend_after through the webhook (${mode} mode)`, async () => {
    const onServer = await isPostgresReachable();
    let sink: TargetServer;
    let clock: FakeClock;
    let running: RunningApp | undefined;
    let scratch: { url: string; drop: () => Promise<void> } | undefined;
    let dataDir: string;

    before(async () => {
      sink = await startTargetServer();
    });
    after(async () => {
      await sink.close();
    });
    beforeEach(async () => {
      sink.requests.length = 0;
      sink.setDefault({ status: 200 });
      clock = createFakeClock(Date.parse('2026-12-07T12:00:00Z'));
      scratch = mode === 'durable' && onServer ? await createScratchDatabase() : undefined;
      dataDir = await mkdtemp(join(tmpdir(), 'resend-after-e2e-'));
    });
    afterEach(async () => {
      if (running !== undefined) {
        await stopMovingClock(clock, running.stop());
      }
      running = undefined;
      await scratch?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    /** Moves virtual time in small steps, with real pauses for I/O, until `done`. */
    async function advanceUntil(
      what: string,
      done: () => boolean | Promise<boolean>,
    ): Promise<void> {
      await eventually(what, async () => {
        if (await done()) return true;
        await clock.advance(250);
        await pace(2);
        return false;
      });
    }

    // The target's timeout is long: virtual time runs 250 ms per step, and a delivery slowed
    // by a loaded machine must not time out on the fake clock (a timed-out attempt is retried,
    // then dead-lettered: CI saw b and c undelivered after 30 s once).
    it('sends a growing group of 1, then 3 alerts, as 3 deliveries, not 4', async () => {
      running = await startApp({
        yaml: `queue: { mode: ${mode}, durable: { lease: 10m } }
targets:
  - { name: chat, type: webhook, url: "${sink.url}/hook", resend_after: 1h, timeout: 5m }
`,
        clock,
        dataDir,
        ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
      });
      const { url } = running;
      const target = await call(url, 'GET', '/api/v2/publishing/targets/chat');
      assert.equal((target.body as { resend_after_seconds: unknown }).resend_after_seconds, 3_600);
      const post = async (...alerts: Alert[]): Promise<number> =>
        (await call(url, 'POST', '/webhook', { json: webhook(...alerts) })).status;

      assert.equal(await post(firing('a')), 202);
      await advanceUntil('a delivered', () => sink.requests.length === 1);
      // group_interval later, the group has grown: Alertmanager sends all three.
      await clock.advance(5 * 60_000);
      assert.equal(await post(firing('a'), firing('b'), firing('c')), 202);
      await advanceUntil('b and c delivered', () => sink.requests.length === 3);
      const jobs = async (): Promise<string[]> => {
        const page = await call(url, 'GET', '/api/v2/publishing/queue/jobs?target=chat');
        return (page.body as { jobs: Array<{ state: string }> }).jobs.map((j) => j.state).sort();
      };
      await advanceUntil('every job final', async () => {
        return (await jobs()).every((state) => state === 'succeeded' || state === 'superseded');
      });
      assert.deepEqual(await jobs(), ['succeeded', 'succeeded', 'succeeded', 'superseded']);
      await clock.advance(10_000);
      await pace(20);
      assert.deepEqual(
        sink.requests.map((r) => (r.json as { alert: Alert }).alert.labels['n']).sort(),
        ['a', 'b', 'c'],
      );
    });
  });
}
