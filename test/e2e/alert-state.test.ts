import assert from 'node:assert/strict';
import { setTimeout as pace } from 'node:timers/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import type { Alert } from '../../src/domain/alert.js';
import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import type { FakeClock } from '../support/fake-clock.js';
import { createFakeClock, stopMovingClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call, errorCode } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

/**
 * Issue #10, through the real app in both queue modes: each numbered problem reproduced, and
 * the latest-state rule end to end (docs/alert-state.md).
 */

interface Letter {
  id: string;
  target_name: string;
  error_reason: string;
  possibly_delivered: boolean;
  superseded: boolean;
  enriched_alert: { alert: Alert };
}

function webhook(...alerts: unknown[]): unknown {
  return { version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'ap', alerts };
}

const STARTED = '2026-12-06T11:00:00Z';
const firing = (labels: Record<string, string>, startsAt = STARTED): Alert =>
  anAlert(labels, { startsAt });
const resolved = (labels: Record<string, string>, startsAt = STARTED): Alert =>
  anAlert(labels, { status: 'resolved', startsAt, endsAt: '2026-12-06T11:30:00Z' });

const statusesOf = (server: TargetServer): string[] =>
  server.requests.map((r) => {
    const body = r.json as { alert?: { status?: string; labels?: Record<string, string> } };
    return `${body.alert?.labels?.['n'] ?? ''}:${body.alert?.status ?? ''}`;
  });

for (const mode of ['memory', 'durable'] as const) {
  describe(`alert state stays right (${mode} mode)`, async () => {
    const onServer = await isPostgresReachable();
    let pager: TargetServer;
    let chat: TargetServer;
    let clock: FakeClock;
    let running: RunningApp | undefined;
    let scratch: { url: string; drop: () => Promise<void> } | undefined;
    let dataDir: string;

    before(async () => {
      pager = await startTargetServer();
      chat = await startTargetServer();
    });
    after(async () => {
      await Promise.all([pager.close(), chat.close()]);
    });
    beforeEach(async () => {
      for (const server of [pager, chat]) {
        server.requests.length = 0;
        server.setDefault({ status: 200 });
      }
      clock = createFakeClock(Date.parse('2026-12-06T12:00:00Z'));
      scratch = mode === 'durable' && onServer ? await createScratchDatabase() : undefined;
      dataDir = await mkdtemp(join(tmpdir(), 'alert-state-e2e-'));
    });
    afterEach(async () => {
      if (running !== undefined) await stopApp(running);
      running = undefined;
      await scratch?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    /** Two targets, one attempt at a time each; lanes of 30 (15 per target) with `small`. */
    async function start(options: { small?: boolean; extra?: string } = {}): Promise<string> {
      const capacity =
        options.small === true ? ', capacity: { high: 30, medium: 30, low: 30 }' : '';
      // Virtual time runs ahead of real heartbeats here: a long lease keeps it from lapsing.
      running = await startApp({
        yaml: `queue: { mode: ${mode}, per_target_concurrency: 1${capacity}, durable: { lease: 10m } }
retry: { base: 60s, jitter: 0s, max_retries: 3 }
${options.extra ?? ''}targets:
  - { name: pager, type: webhook, url: "${pager.url}/hook", match: ['team="db"'] }
  - { name: chat, type: webhook, url: "${chat.url}/hook", match: ['team="web"'] }
`,
        clock,
        dataDir,
        ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
      });
      return running.url;
    }

    async function post(url: string, ...alerts: Alert[]): Promise<number> {
      return (await call(url, 'POST', '/webhook', { json: webhook(...alerts) })).status;
    }

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

    /** Stops the app, moving virtual time while it drains (attempts in flight, flush windows). */
    async function stopApp(app: RunningApp): Promise<void> {
      await stopMovingClock(clock, app.stop());
    }

    async function letters(url: string, query = ''): Promise<Letter[]> {
      const page = await call(url, 'GET', `/api/v2/publishing/dlq${query}`);
      return (page.body as { entries: Letter[] }).entries;
    }

    it('delivers only the resolve to a target that was down while its firing and resolve arrived', async () => {
      const url = await start();
      pager.setDefault({ status: 503 });
      assert.equal(await post(url, firing({ team: 'db', n: 'disk' })), 202);
      await advanceUntil('the firing tried once', () => pager.requests.length === 1);
      assert.equal(await post(url, resolved({ team: 'db', n: 'disk' })), 202);
      pager.setDefault({ status: 200 });
      await advanceUntil('the resolve delivered', () => pager.requests.length === 2);
      const states = async (): Promise<string[]> => {
        const jobs = await call(url, 'GET', '/api/v2/publishing/queue/jobs?target=pager');
        return (jobs.body as { jobs: Array<{ state: string; alert_status: string }> }).jobs
          .map((j) => `${j.alert_status}:${j.state}`)
          .sort();
      };
      await advanceUntil('both jobs final', async () => {
        return (await states()).every((s) => /superseded|succeeded|dlq/.test(s));
      });
      await clock.advance(120_000);
      await pace(20);
      assert.deepEqual(statusesOf(pager), ['disk:firing', 'disk:resolved']);
      assert.deepEqual(await states(), ['firing:superseded', 'resolved:succeeded']);
      assert.deepEqual(await letters(url), []);
    });

    it('#1: refuses a burst a healthy target cannot hold yet with 503, dead-letters none of it', async () => {
      const url = await start({ small: true });
      pager.setDefault({ hang: true });
      const statuses: number[] = [];
      for (let r = 0; r < 5; r += 1) {
        const alerts = Array.from({ length: 10 }, (_, i) => firing({ team: 'db', n: `${r}-${i}` }));
        statuses.push(await post(url, ...alerts));
      }
      assert.deepEqual(statuses, [202, 503, 503, 503, 503], 'the lane holds 15 for a target');
      assert.deepEqual(await letters(url), [], 'nothing dead-lettered as overflow');
      pager.setDefault({ status: 200 });
      await advanceUntil('the admitted ten delivered', () => {
        return new Set(statusesOf(pager)).size === 10;
      });
    });

    it('#2: judges a batch on the jobs it will hold: a failing target overflows, a healthy one fits', async () => {
      const url = await start({ small: true });
      pager.setDefault({ status: 503 });
      // The breaker opens after 5 failed attempts: five jobs, each tried once, waiting for retries.
      for (let i = 0; i < 5; i += 1)
        assert.equal(await post(url, firing({ team: 'db', n: `x${i}` })), 202);
      await advanceUntil('the pager breaker open', async () => {
        const target = await call(url, 'GET', '/api/v2/publishing/targets/pager');
        return (target.body as { breaker_state: string }).breaker_state === 'open';
      });
      const batch = [
        ...Array.from({ length: 12 }, (_, i) => firing({ team: 'db', n: `d${i}` })),
        ...Array.from({ length: 15 }, (_, i) => firing({ team: 'web', n: `w${i}` })),
      ];
      // Held: 5 (pager) + 10 + 15 accepted = 30, the lane. Counting the 2 that overflow as well
      // (as memory mode once did) would refuse the whole batch.
      assert.equal(await post(url, ...batch), 202);
      await advanceUntil('overflow letters stored', async () => {
        return (await letters(url, '?reason=overflow')).length === 2;
      });
      await advanceUntil('the healthy fifteen delivered', () => chat.requests.length === 15);
    });

    it('#3: refuses to replay a firing whose resolve was sent, unless forced', async () => {
      const url = await start();
      pager.setDefault({ status: 401 });
      assert.equal(await post(url, firing({ team: 'db', n: 'cpu' })), 202);
      await advanceUntil('the firing dead-lettered', async () => (await letters(url)).length === 1);
      const [letter] = await letters(url);
      pager.setDefault({ status: 200 });
      assert.equal(await post(url, resolved({ team: 'db', n: 'cpu' })), 202);
      await advanceUntil('the resolve delivered', () => pager.requests.length === 2);
      await advanceUntil('the letter shown superseded', async () => {
        return (await letters(url))[0]?.superseded === true;
      });

      const single = await call(url, 'POST', `/api/v2/publishing/dlq/${letter?.id ?? ''}/replay`);
      assert.equal(single.status, 409);
      assert.equal(errorCode(single.body), 'superseded');
      const details = (
        single.body as { error: { details: Array<{ path: string; message: string }> } }
      ).error.details;
      assert.deepEqual(
        details.find((d) => d.path === 'newer_state.status'),
        { path: 'newer_state.status', message: 'resolved' },
      );
      const bulk = await call(url, 'POST', '/api/v2/publishing/dlq/replay', { json: {} });
      assert.deepEqual(
        [
          (bulk.body as { replayed: number }).replayed,
          (bulk.body as { skipped_superseded: number }).skipped_superseded,
        ],
        [0, 1],
      );
      assert.deepEqual(statusesOf(pager), ['cpu:firing', 'cpu:resolved'], 'no firing re-sent');

      const forced = await call(
        url,
        'POST',
        `/api/v2/publishing/dlq/${letter?.id ?? ''}/replay?force=true`,
      );
      assert.equal(forced.status, 202);
      await advanceUntil('the forced replay delivered', () => pager.requests.length === 3);
    });

    it('#4: bulk replay submits letters in the order their jobs were submitted', async () => {
      const url = await start();
      pager.setDefault({ status: 400 });
      // One request: one admission, one millisecond; their letters share their submission time.
      const alerts = ['a', 'b', 'c', 'd'].map((n) => firing({ team: 'db', n }));
      assert.equal(await post(url, ...alerts), 202);
      await advanceUntil('four letters', async () => (await letters(url)).length === 4);
      pager.requests.length = 0;
      pager.setDefault({ status: 200 });
      const bulk = await call(url, 'POST', '/api/v2/publishing/dlq/replay', { json: {} });
      assert.equal((bulk.body as { replayed: number }).replayed, 4);
      await advanceUntil('four replays delivered', () => pager.requests.length === 4);
      assert.deepEqual(statusesOf(pager), ['a:firing', 'b:firing', 'c:firing', 'd:firing']);
    });

    if (mode === 'memory') {
      it('#4, #5: after a stop, the restart sends the newest state only, in submission order, and marks what may be a duplicate', async () => {
        let url = await start({ extra: 'shutdown_timeout: 1s\nshutdown_flush_timeout: 1s\n' });
        pager.setDefault({ hang: true });
        chat.setDefault({ hang: true });
        assert.equal(await post(url, firing({ team: 'web', n: 'z' })), 202);
        assert.equal(await post(url, firing({ team: 'db', n: 'x' })), 202);
        await advanceUntil('z and x in flight', () => {
          return chat.requests.length === 1 && pager.requests.length === 1;
        });
        // Behind x's firing in flight: its resolve; behind both on the pager: another alert.
        assert.equal(await post(url, resolved({ team: 'db', n: 'x' })), 202);
        assert.equal(await post(url, firing({ team: 'db', n: 'y' })), 202);
        if (running !== undefined) await stopApp(running);
        running = undefined;

        const db = await startApp({
          yaml: 'targets: []\n',
          clock,
          dataDir,
          ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
        });
        const stored = await letters(db.url);
        await db.stop();
        // x's firing gave way to its resolve (superseded, no letter); z was cut short in flight.
        assert.deepEqual(
          stored
            .map((l) => {
              const { alert } = l.enriched_alert;
              return `${alert.labels['n'] ?? ''}:${alert.status}:${String(l.possibly_delivered)}`;
            })
            .sort(),
          ['x:resolved:false', 'y:firing:false', 'z:firing:true'],
        );

        pager.requests.length = 0;
        chat.requests.length = 0;
        pager.setDefault({ status: 200 });
        chat.setDefault({ status: 200 });
        url = await start();
        await advanceUntil('replayed at start', () => {
          return pager.requests.length === 2 && chat.requests.length === 1;
        });
        await clock.advance(5_000);
        await pace(20);
        assert.deepEqual(statusesOf(pager), ['x:resolved', 'y:firing']);
        assert.deepEqual(statusesOf(chat), ['z:firing']);
        const page = await call(url, 'GET', '/api/v2/publishing/dlq?possibly_delivered=true');
        assert.equal((page.body as { total: number }).total, 1);
      });
    }
  });
}
