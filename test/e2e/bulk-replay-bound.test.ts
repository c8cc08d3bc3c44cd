import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { runCommand } from '../support/cli-run.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

const DLQ = '/api/v2/publishing/dlq';

const SETUPS = [
  { queue: 'memory', database: 'pglite' },
  { queue: 'memory', database: 'postgres' },
  { queue: 'durable', database: 'postgres' },
] as const;

interface ReplayAnswer {
  matched: number;
  replayed: number;
  would_replay?: number;
  more_may_match: boolean;
  next_cursor: string | null;
}

/**
 * Bulk replay on the real app against targets answering 400, so that each replayed job fails
 * at once into a new letter (docs/api.md, "Bulk replay"): a run, and the runs going on from its
 * `next_cursor`, replay the letters that existed when the first began, each once; and a run
 * that ends at its limit on the last matching letter says no more match.
 */
for (const setup of SETUPS) {
  describe(`bulk replay within the letters that existed when it began [${setup.queue}, ${setup.database}]`, async () => {
    if (setup.database === 'postgres' && !(await isPostgresReachable())) {
      it('runs against PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
      return;
    }
    let scratch: { url: string; drop: () => Promise<void> } | undefined;
    let hookB: TargetServer;
    let hookC: TargetServer;
    let running: RunningApp;

    before(async () => {
      hookB = await startTargetServer({ status: 400, body: 'bad request' });
      hookC = await startTargetServer({ status: 400, body: 'bad request' });
      if (setup.database === 'postgres') scratch = await createScratchDatabase();
      running = await startApp({
        yaml: `queue: { mode: ${setup.queue} }
retry: { max_retries: 0 }
circuit_breaker: { failure_threshold: 1000000 }
targets:
  - { name: hookB, type: webhook, url: "${hookB.url}/hook", match: ['team="b"'] }
  - { name: hookC, type: webhook, url: "${hookC.url}/hook", match: ['team="c"'] }
`,
        ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
      });
    });
    after(async () => {
      await running.stop();
      await Promise.all([hookB.close(), hookC.close()]);
      await scratch?.drop();
    });

    /** Sends `count` distinct alerts for `team`, 100 per request. */
    async function sendAlerts(team: string, count: number): Promise<void> {
      for (let start = 0; start < count; start += 100) {
        const alerts = Array.from({ length: Math.min(100, count - start) }, (_, i) =>
          anAlert({ team, n: String(start + i) }),
        );
        const payload = {
          version: '4',
          groupKey: '{}:{}',
          status: 'firing',
          receiver: 'ap',
          alerts,
        };
        const res = await call(running.url, 'POST', '/webhook', { json: payload });
        assert.equal(res.status, 202, res.text);
      }
    }
    async function unreplayed(target: string): Promise<number> {
      const res = await call(running.url, 'GET', `${DLQ}?replayed=false&target=${target}&limit=1`);
      return (res.body as { total: number }).total;
    }
    const waitForLetters = (target: string, count: number) =>
      eventually(`${count} unreplayed letters of ${target}`, async () => {
        return (await unreplayed(target)) === count;
      });
    async function replay(json: object): Promise<ReplayAnswer> {
      const res = await call(running.url, 'POST', `${DLQ}/replay`, { json });
      assert.equal(res.status, 200, res.text);
      return res.body as ReplayAnswer;
    }
    /** How many requests `target` got for each alert, by its `n` label. */
    function requestsPerAlert(target: TargetServer): Map<string, number> {
      const counts = new Map<string, number>();
      for (const request of target.requests) {
        const body = request.json as { alert: { labels: Record<string, string> } };
        const n = body.alert.labels['n'] ?? '';
        counts.set(n, (counts.get(n) ?? 0) + 1);
      }
      return counts;
    }

    it('a run and the CLI runs going on from its cursor replay each of the 300 letters once, as the dry run counted', async () => {
      await sendAlerts('b', 300);
      await waitForLetters('hookB', 300);
      const filters = { target: 'hookB' };

      const dry = await replay({ filters, limit: 1000, dry_run: true });
      assert.deepEqual([dry.matched, dry.would_replay, dry.more_may_match], [300, 300, false]);

      const first = await replay({ filters, limit: 100 });
      assert.deepEqual([first.matched, first.replayed, first.more_may_match], [100, 100, true]);
      assert.ok(first.next_cursor !== null);
      // Its replays failed again: 100 new letters, behind the 200 not yet replayed.
      await hookB.waitForRequests(400);
      await waitForLetters('hookB', 300);

      const cli = await runCommand([
        'dlq',
        'replay',
        '--all',
        '--target',
        'hookB',
        '--limit',
        '100',
        '--until-done',
        '--after',
        first.next_cursor,
        '--url',
        running.url,
      ]);
      assert.equal(cli.code, 0, cli.err);
      assert.match(cli.out.split('\n').at(-1) ?? '', /^all 2 runs: matched 200, replayed 200, /);
      await hookB.waitForRequests(600);
      await waitForLetters('hookB', 300);
      assert.equal(hookB.requests.length, 600);
      const counts = requestsPerAlert(hookB);
      assert.equal(counts.size, 300);
      assert.deepEqual(
        new Set(counts.values()),
        new Set([2]),
        'each alert sent, then replayed once',
      );

      // The 300 letters the replays became, in one run: none of its own failures again.
      const all = await replay({ filters, limit: 1000 });
      assert.deepEqual(
        [all.matched, all.replayed, all.more_may_match, all.next_cursor],
        [300, 300, false, null],
      );
      await hookB.waitForRequests(900);
      await waitForLetters('hookB', 300);
      assert.equal(hookB.requests.length, 900);
    });

    it('a run that ends at its limit on the last of 100 letters says no more match, and the CLI says nothing of running again', async () => {
      await sendAlerts('c', 100);
      await waitForLetters('hookC', 100);
      const filters = { target: 'hookC' };

      const dry = await replay({ filters, limit: 100, dry_run: true });
      assert.deepEqual(
        [dry.matched, dry.would_replay, dry.more_may_match, dry.next_cursor],
        [100, 100, false, null],
      );
      const cliDry = await runCommand(
        ['dlq', 'replay', '--all', '--target', 'hookC', '--limit', '100', '--dry-run'].concat([
          '--url',
          running.url,
        ]),
      );
      assert.equal(cliDry.code, 0, cliDry.err);
      assert.doesNotMatch(cliDry.out, /more letters match/);

      const run = await replay({ filters, limit: 100 });
      assert.deepEqual(
        [run.matched, run.replayed, run.more_may_match, run.next_cursor],
        [100, 100, false, null],
      );
    });
  });
}
