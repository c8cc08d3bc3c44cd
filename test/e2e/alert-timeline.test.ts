import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as pace } from 'node:timers/promises';

import type { alertTimelineView } from '../../src/http/alert-views.js';
import { anAlert } from '../support/builders.js';
import { runCommand as cli } from '../support/cli-run.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import type { FakeClock } from '../support/fake-clock.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call, errorCode, errorPaths } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

/** The route's answer, as its view builds it. */
type Timeline = ReturnType<typeof alertTimelineView>;

interface AlertList {
  alerts: { alertname: string; status: string; targets: { target: string; status: string }[] }[];
}

function yaml(queue: 'memory' | 'durable', pagerUrl: string, chatUrl: string): string {
  return `
queue:
  mode: ${queue}
  # Virtual time runs ahead of real heartbeats here: a long lease keeps it from lapsing.
  durable: { heartbeat: 1s, poll_interval: 1s, lease: 10m }
# max_job_age 3s: a job of a failing target is dead-lettered after its retries instead of
# waiting for the target (docs/how-it-works.md, Retries).
retry: { max_retries: 1, base: 2s, factor: 2, max_delay: 30s, jitter: 0s, max_job_age: 3s }
circuit_breaker: { failure_threshold: 1000 }
targets:
  - name: pager
    type: webhook
    url: "${pagerUrl}/hook"
    match: ['team="db"']
  - name: chat
    type: webhook
    url: "${chatUrl}/hook"
    match: ['team=~"db|web"']
`;
}

function payload(alerts: unknown[]): unknown {
  return { version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'ap', alerts };
}

const firing = anAlert(
  { alertname: 'DiskFull', team: 'db', instance: 'db-1' },
  { startsAt: '2026-11-29T11:00:00Z' },
);
const resolved = { ...firing, status: 'resolved', endsAt: '2026-11-29T11:30:00Z' };
const heartbeat = anAlert({ alertname: 'Heartbeat', team: 'web' });

const SETUPS = [
  { queue: 'memory', database: 'pglite' },
  { queue: 'memory', database: 'postgres' },
  { queue: 'durable', database: 'pglite' },
  { queue: 'durable', database: 'postgres' },
] as const;

/**
 * The timeline on the real app (fake clock, local targets): a firing that fails on `pager`, its
 * resolve superseding the retry and dead-lettered, the letter replayed once `pager` is back;
 * `chat` takes both. Then a restart: memory mode keeps the letters and the states only.
 */
for (const setup of SETUPS) {
  describe(`alert timeline [${setup.queue}, ${setup.database}]`, async () => {
    if (setup.database === 'postgres' && !(await isPostgresReachable())) {
      it('runs against PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
      return;
    }
    let clock: FakeClock;
    let pager: TargetServer;
    let chat: TargetServer;
    let dataDir: string;
    let scratch: { url: string; drop: () => Promise<void> } | undefined;
    let running: RunningApp;
    const ids: Record<string, string> = {};

    const start = async (): Promise<RunningApp> =>
      startApp({
        yaml: yaml(setup.queue, pager.url, chat.url),
        clock,
        dataDir,
        ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
      });
    /** Virtual time in steps, each with a few real milliseconds for the I/O it started. */
    const advanceUntil = (what: string, check: () => Promise<boolean> | boolean) =>
      eventually(what, async () => {
        if (await check()) return true;
        await clock.advance(250);
        await pace(5);
        return false;
      });
    const get = (path: string) => call(running.url, 'GET', path);
    const timeline = async (): Promise<Timeline> => {
      const res = await get(`/api/v2/publishing/alerts/${firing.fingerprint}`);
      assert.equal(res.status, 200, res.text);
      return res.body as Timeline;
    };
    const jobState = async (id: string): Promise<string | undefined> => {
      const res = await get(`/api/v2/publishing/queue/jobs/${id}`);
      return (res.body as { state?: string }).state;
    };
    const webhook = async (alerts: unknown[]): Promise<string[]> => {
      const res = await call(running.url, 'POST', '/webhook', { json: payload(alerts) });
      assert.equal(res.status, 202, res.text);
      return (res.body as { job_ids: string[] }).job_ids;
    };

    before(async () => {
      clock = createFakeClock();
      pager = await startTargetServer({ status: 503, body: 'down' });
      chat = await startTargetServer({ status: 200 });
      dataDir = await mkdtemp(join(tmpdir(), 'alert-timeline-'));
      if (setup.database === 'postgres') scratch = await createScratchDatabase();
      running = await start();
    });
    after(async () => {
      await running.stop();
      await Promise.all([pager.close(), chat.close()]);
      await scratch?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('shows per target every job in order with its attempts, the supersession, the letter and its replay', async () => {
      [ids['firingToPager'] = '', ids['firingToChat'] = ''] = await webhook([firing, heartbeat]);
      await eventually('the firing to pager retrying', async () => {
        return (await jobState(ids['firingToPager'] ?? '')) === 'retrying';
      });
      [ids['resolveToPager'] = '', ids['resolveToChat'] = ''] = await webhook([resolved]);
      await advanceUntil('the resolve to pager dead-lettered', async () => {
        return (await jobState(ids['resolveToPager'] ?? '')) === 'dlq';
      });
      const letters = await get(`/api/v2/publishing/dlq?fingerprint=${firing.fingerprint}`);
      const [letter] = (letters.body as { entries: { id: string }[] }).entries;
      ids['letter'] = letter?.id ?? '';
      pager.setDefault({ status: 200 });
      const replay = await call(
        running.url,
        'POST',
        `/api/v2/publishing/dlq/${ids['letter']}/replay`,
      );
      assert.equal(replay.status, 202, replay.text);
      ids['replay'] = (replay.body as { job_id: string }).job_id;
      await advanceUntil('the replay recorded', async () => {
        const entry = await get(`/api/v2/publishing/dlq/${ids['letter']}`);
        return (entry.body as { replay_result: string | null }).replay_result === 'succeeded';
      });
      assert.equal(pager.requests.length, 4, 'firing once, the resolve twice, the replay once');

      const body = await timeline();
      assert.equal(body.fingerprint, firing.fingerprint);
      assert.equal(body.alertname, 'DiskFull');
      assert.deepEqual(body.labels, firing.labels);
      assert.equal(body.jobs_from, setup.queue === 'memory' ? 'memory' : 'database');
      assert.equal(body.complete, true);
      assert.deepEqual(
        body.targets.map((t) => t.target),
        ['chat', 'pager'],
      );
      const [toChat, toPager] = body.targets;
      assert.deepEqual(
        toPager?.jobs.map((j) => [j.id, j.alert_status, j.state, j.superseded_by, j.replay_of]),
        [
          [ids['firingToPager'], 'firing', 'superseded', ids['resolveToPager'], null],
          [ids['resolveToPager'], 'resolved', 'dlq', null, null],
          [ids['replay'], 'resolved', 'succeeded', null, ids['letter']],
        ],
      );
      assert.deepEqual(
        toPager?.jobs.map((j) => j.attempt_history.map((a) => [a.http_status, a.reason])),
        [
          [[503, 'server_error']],
          [
            [503, 'server_error'],
            [503, 'server_error'],
          ],
          [[200, undefined]],
        ],
      );
      assert.equal(toPager?.jobs[0]?.alert_starts_at, '2026-11-29T11:00:00.000Z');
      assert.deepEqual(
        toPager?.dead_letters.map((l) => [
          l.id,
          l.job_id,
          l.error_reason,
          l.possibly_delivered,
          l.superseded,
          l.replayed,
          l.replay_job_id,
          l.replay_result,
          l.attempts.length,
        ]),
        [
          [
            ids['letter'],
            ids['resolveToPager'],
            'server_error',
            false,
            false,
            true,
            ids['replay'],
            'succeeded',
            2,
          ],
        ],
      );
      assert.equal(toPager?.newest_state?.status, 'resolved');
      assert.equal(toPager?.newest_state?.starts_at, '2026-11-29T11:00:00.000Z');
      assert.deepEqual(
        toChat?.jobs.map((j) => [j.id, j.state]),
        [
          [ids['firingToChat'], 'succeeded'],
          [ids['resolveToChat'], 'succeeded'],
        ],
      );
      assert.deepEqual(toChat?.dead_letters, []);
      assert.deepEqual(toChat?.newest_state, {
        status: 'resolved',
        starts_at: '2026-11-29T11:00:00.000Z',
        job_id: ids['resolveToChat'],
      });
    });

    it('lists the most recent alerts, filtered by state, alertname and target', async () => {
      // Memory mode writes the states behind, within a second.
      await advanceUntil('both alerts recorded', async () => {
        const res = await get('/api/v2/publishing/alerts');
        return (res.body as AlertList).alerts.length === 2;
      });
      const names = async (query: string): Promise<string[]> => {
        const res = await get(`/api/v2/publishing/alerts?${query}`);
        assert.equal(res.status, 200, res.text);
        return (res.body as AlertList).alerts.map((a) => `${a.alertname} ${a.status}`);
      };
      assert.deepEqual(await names(''), ['DiskFull resolved', 'Heartbeat firing']);
      assert.deepEqual(await names('state=firing'), ['Heartbeat firing']);
      assert.deepEqual(await names('state=resolved&alertname=DiskFull'), ['DiskFull resolved']);
      assert.deepEqual(await names('target=pager'), ['DiskFull resolved']);
      assert.deepEqual(await names('limit=1'), ['DiskFull resolved']);
      const all = await get('/api/v2/publishing/alerts?alertname=DiskFull');
      assert.deepEqual(
        (all.body as AlertList).alerts[0]?.targets.map((t) => `${t.target} ${t.status}`),
        ['chat resolved', 'pager resolved'],
      );
      const bad = await get('/api/v2/publishing/alerts?state=pending');
      assert.equal(bad.status, 400);
      assert.deepEqual(errorPaths(bad.body), ['query.state']);
    });

    it('answers 404 for an unknown fingerprint and 400 for a malformed one', async () => {
      const unknown = await get('/api/v2/publishing/alerts/0123456789abcdef');
      assert.equal(unknown.status, 404);
      assert.equal(errorCode(unknown.body), 'not_found');
      const malformed = await get('/api/v2/publishing/alerts/not-a-fingerprint');
      assert.equal(malformed.status, 400);
      assert.deepEqual(errorPaths(malformed.body), ['params.fingerprint']);
    });

    it('shows the timeline through the CLI as a tree and as the API’s JSON', async () => {
      const tree = await cli(['alerts', 'show', firing.fingerprint, '--url', running.url]);
      assert.equal(tree.code, 0, tree.err);
      assert.match(tree.out, /^DiskFull [0-9a-f]{16}$/m);
      assert.match(tree.out, /^pager {2}newest: resolved/m);
      assert.match(tree.out, new RegExp(`job ${ids['firingToPager']} firing superseded`));
      assert.match(tree.out, /HTTP 503 server_error/);
      assert.match(tree.out, new RegExp(`dead letter ${ids['letter']} server_error`));
      assert.match(tree.out, new RegExp(`replayed as job ${ids['replay']}: succeeded`));
      const json = await cli([
        'alerts',
        'show',
        firing.fingerprint,
        '--json',
        '--url',
        running.url,
      ]);
      assert.deepEqual(JSON.parse(json.out), await timeline());
      const list = await cli(['alerts', 'list', '--state', 'firing', '--url', running.url]);
      assert.equal(list.code, 0, list.err);
      assert.match(list.out, /^ALERTNAME\s+FINGERPRINT\s+STATUS/m);
      assert.match(list.out, /^Heartbeat\s+[0-9a-f]{16}\s+firing\s+chat/m);
      assert.doesNotMatch(list.out, /DiskFull/);
      const missing = await cli(['alerts', 'show', '0123456789abcdef', '--url', running.url]);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /not_found/);
    });

    it('after a restart, still shows the letters and the newest states', async () => {
      const before = await timeline();
      await running.stop();
      running = await start();
      const body = await timeline();
      assert.equal(body.alertname, 'DiskFull');
      assert.deepEqual(body.labels, firing.labels);
      assert.deepEqual(
        body.targets.map((t) => [t.target, t.newest_state?.status]),
        [
          ['chat', 'resolved'],
          ['pager', 'resolved'],
        ],
      );
      const toPager = body.targets[1];
      assert.deepEqual(
        toPager?.dead_letters.map((l) => [l.id, l.replay_job_id, l.replay_result]),
        [[ids['letter'], ids['replay'], 'succeeded']],
      );
      if (setup.queue === 'durable') {
        assert.deepEqual(body, before, 'the jobs table keeps every job');
        return;
      }
      // Memory mode: the jobs were in the process; the letters and the states remain.
      assert.equal(body.complete, false);
      assert.deepEqual(
        body.targets.map((t) => t.jobs),
        [[], []],
      );
      assert.deepEqual(
        new Set(toPager?.missing_jobs),
        new Set([ids['resolveToPager'], ids['replay']]),
      );
    });
  });
}
