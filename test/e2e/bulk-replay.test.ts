import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import type { Db } from '../../src/db/db.js';
import { createPgDb } from '../../src/db/pg-db.js';
import { createDlqRepository } from '../../src/dlq/dlq-repository.js';
import { createFakeClock } from '../support/fake-clock.js';
import { createScratchDatabase, isPostgresReachable, silentLogger } from '../support/databases.js';
import { aDeadLetter } from '../support/dlq-fixtures.js';
import { eventually } from '../support/eventually.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call, errorCode } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';
import { proxyToTestDatabase, type TcpProxy } from '../support/tcp-proxy.js';
import { runCommand } from '../support/cli-run.js';

const REPLAY = '/api/v2/publishing/dlq/replay';

/**
 * POST /dlq/replay on the real app and PostgreSQL (behind a proxy of the test's own): a dry
 * run says what it would replay, letters of a target whose breaker is open are left alone,
 * and a run cut off by a database outage reports the letters that went out.
 */
describe('bulk replay on the real server and PostgreSQL', async () => {
  if (!(await isPostgresReachable())) {
    it('needs PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let proxy: TcpProxy;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let running: RunningApp;
  let pager: TargetServer;
  let down: TargetServer;
  let seedDb: Db;

  before(async () => {
    proxy = await proxyToTestDatabase();
  });
  after(async () => {
    await proxy.close();
  });
  beforeEach(async () => {
    scratch = await createScratchDatabase();
    pager = await startTargetServer();
    down = await startTargetServer({ status: 503 });
    running = await startApp({
      // max_job_age 1s: a job of the failing target is a letter again at once, instead of
      // waiting for the target (docs/how-it-works.md, Retries).
      yaml: `queue: { mode: memory }
retry: { max_retries: 0, max_job_age: 1s }
circuit_breaker: { failure_threshold: 1, open_timeout: 1h }
targets:
  - { name: pager, type: webhook, url: "${pager.url}/hook" }
  - { name: down, type: webhook, url: "${down.url}/hook" }
`,
      databaseUrl: proxy.urlFor(scratch.url),
    });
    seedDb = createPgDb(scratch.url, { logger: silentLogger });
  });
  afterEach(async () => {
    proxy.restore();
    await running.stop();
    await seedDb.close();
    await Promise.all([pager.close(), down.close()]);
    await scratch.drop();
  });

  async function seed(targets: string[]): Promise<void> {
    const repo = createDlqRepository({ db: seedDb, clock: createFakeClock() });
    await repo.write(targets.map((targetName) => aDeadLetter({ targetName })));
  }

  const replay = (json: object) => call(running.url, 'POST', REPLAY, { json });

  it('a dry run says how many it would replay; letters of a target with an open breaker are skipped and named', async () => {
    await seed(['down']);
    const [letter] = (
      (await call(running.url, 'GET', '/api/v2/publishing/dlq')).body as {
        entries: { id: string }[];
      }
    ).entries;
    // A single replay into the failing target is sent: the operator asked for that letter.
    const one = await call(running.url, 'POST', `/api/v2/publishing/dlq/${letter?.id}/replay`);
    assert.equal(one.status, 202);
    await eventually('the breaker of down opened', async () => {
      const target = await call(running.url, 'GET', '/api/v2/publishing/targets/down');
      return (target.body as { breaker_state: string }).breaker_state === 'open';
    });
    await eventually('the failed replay is a letter again', async () => {
      const list = await call(running.url, 'GET', '/api/v2/publishing/dlq?replayed=false');
      return (list.body as { entries: unknown[] }).entries.length === 1;
    });
    await seed(['pager', 'down', 'pager']);

    const cliDry = await runCommand(['dlq', 'replay', '--all', '--dry-run', '--url', running.url]);
    assert.equal(cliDry.code, 0, cliDry.err);
    assert.equal(
      cliDry.out.trim(),
      'dry run: matched 4, would replay 2, skipped as superseded 0, ' +
        'skipped as target not configured 0, skipped as target failing 2 (down) ' +
        '(nothing was submitted)',
    );
    const dry = await replay({ filters: { replayed: false }, dry_run: true });
    assert.equal(dry.status, 200);
    assert.deepEqual(dry.body, {
      matched: 4,
      replayed: 0,
      would_replay: 2,
      skipped_superseded: 0,
      skipped_target_not_configured: 0,
      targets_not_configured: [],
      skipped_target_failing: 2,
      targets_failing: ['down'],
      job_ids: [],
      stopped: null,
      more_may_match: false,
      next_cursor: null,
      dry_run: true,
    });
    const real = await replay({ filters: { replayed: false } });
    assert.equal(real.status, 200);
    const body = real.body as Record<string, unknown>;
    assert.deepEqual(
      [body['matched'], body['replayed'], body['skipped_target_failing'], body['stopped']],
      [4, 2, 2, null],
    );
    await pager.waitForRequests(2);
    assert.equal(down.requests.length, 1, 'only the single replay reached the failing target');
  });

  it('a run cut off by a database outage answers 200 with the letters replayed and stopped database_unavailable; a second run replays the rest', async () => {
    const total = 300;
    await seed(Array.from({ length: total }, () => 'pager'));
    // The first delivery proves a letter went out; the database goes away right then.
    void pager.waitForRequests(1).then(() => proxy.cut());
    const cut = await replay({ filters: { replayed: false }, limit: 1000 });
    assert.equal(cut.status, 200);
    const first = cut.body as { matched: number; replayed: number; job_ids: string[] } & Record<
      string,
      unknown
    >;
    assert.equal(first['stopped'], 'database_unavailable');
    assert.equal(first['more_may_match'], true);
    // `matched`: the letters the run looked at before the outage cut it, from the oldest on.
    assert.ok(
      first.matched >= first.replayed && first.matched <= total,
      `matched ${first.matched}`,
    );
    assert.ok(first.replayed >= 1 && first.replayed < total, `replayed ${first.replayed}`);
    assert.equal(first.job_ids.length, first.replayed);

    proxy.restore();
    await eventually('the database answers again', async () => {
      const stats = await call(running.url, 'GET', '/api/v2/publishing/dlq/stats');
      return stats.status === 200;
    });
    const rest = await replay({ filters: { replayed: false }, limit: 1000 });
    const second = rest.body as Record<string, unknown>;
    assert.deepEqual(
      [rest.status, second['matched'], second['replayed'], second['stopped']],
      [200, total - first.replayed, total - first.replayed, null],
    );
    await pager.waitForRequests(total);
    assert.equal(pager.requests.length, total, 'each letter was sent once');
  });

  it('the CLI prints how many went out before the outage and that it stopped early, and exits 1', async () => {
    const total = 300;
    await seed(Array.from({ length: total }, () => 'pager'));
    void pager.waitForRequests(1).then(() => proxy.cut());
    const run = await runCommand([
      'dlq',
      'replay',
      '--all',
      '--limit',
      '1000',
      '--url',
      running.url,
    ]);
    assert.equal(run.code, 1, run.err);
    const line =
      /^matched (\d+), replayed (\d+), skipped as superseded 0, skipped as target not configured 0, skipped as target failing 0, not replayed (\d+): stopped early, the database became unavailable \(run it again\)(; go on: --after \S+)?$/;
    const match = line.exec(run.out.trim());
    assert.ok(match !== null, run.out);
    // It accounts for each letter it looked at before the outage cut it. Cut after a whole
    // chunk, it also says where to go on from (the cursor of the letters behind).
    assert.equal(Number(match[2]) + Number(match[3]), Number(match[1]));
    assert.ok(Number(match[1]) <= total);
    assert.ok(Number(match[2]) >= 1);
  });

  it('a run that replayed nothing before the outage is still a 503', async () => {
    await seed(['pager', 'pager']);
    proxy.cut();
    const cut = await replay({ filters: { replayed: false } });
    assert.equal(cut.status, 503);
    assert.equal(errorCode(cut.body), 'unavailable');
  });
});
