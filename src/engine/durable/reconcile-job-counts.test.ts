import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';

import { anAlert } from '../../../test/support/builders.js';
import { forEachDatabase } from '../../../test/support/databases.js';
import { eventually } from '../../../test/support/eventually.js';
import type { Db } from '../../db/db.js';
import type { Priority } from '../../domain/job.js';
import type { NewJob } from './job-row.js';
import { admitJobs } from '../../../test/engine/durable/support/admit-jobs.js';
import { finishJobs } from './finish-jobs.js';
import type { CountCorrection } from './reconcile-job-counts.js';
import { reconcileJobCounts } from './reconcile-job-counts.js';

const T0 = Date.parse('2026-11-29T12:00:00Z');
let nextId = 0;

function jobs(priority: Priority, target: string, n: number): NewJob[] {
  return Array.from({ length: n }, () => {
    nextId += 1;
    const id = `00000000-0000-4000-8000-${String(nextId).padStart(12, '0')}`;
    return { id, target, alert: anAlert({ n: String(nextId) }), priority };
  });
}

/** Admits `batch` (counts kept in step); `pause` runs inside the transaction, after the counts. */
const HEALTHY = { isFailing: () => false, isThrottled: () => false, enabledCount: 1 };

async function admit(
  db: Db,
  batch: NewJob[],
  pause: () => Promise<void> = () => Promise.resolve(),
): Promise<string[]> {
  const admitted = await admitJobs(
    db,
    batch,
    { capacity: { high: 100, medium: 100, low: 100 }, perTargetShare: 1 },
    HEALTHY,
    T0,
    {
      insert: async () => {
        await pause();
        return 0;
      },
      errorOf: () => assert.fail('no overflow'),
      letterOf: () => assert.fail('no overflow'),
    },
  );
  assert.ok(admitted.ok);
  return batch.map((job) => job.id);
}

async function setState(db: Db, id: string, state: string, owner: string | null = null) {
  await db.query('UPDATE publishing_jobs SET state = $2, lease_owner = $3 WHERE id = $1', [
    id,
    state,
    owner,
  ]);
}

async function setCount(db: Db, priority: Priority, target: string, active: number) {
  await db.query(
    `UPDATE publishing_job_counts SET active = $3 WHERE priority = $1 AND target_name = $2`,
    [priority, target, active],
  );
}

async function countRows(db: Db): Promise<Array<[string, string, number]>> {
  const result = await db.query<{ priority: string; target_name: string; active: number }>(
    'SELECT priority, target_name, active FROM publishing_job_counts ORDER BY 1, 2',
  );
  return result.rows.map((row) => [row.priority, row.target_name, row.active]);
}

/**
 * Starts a reconciliation while `hold` is paused inside its transaction (holding its locks),
 * lets `hold` commit once the reconciliation waits for a lock, and returns what it corrected.
 */
async function reconcileWhileHeld(
  db: Db,
  hold: (pause: () => Promise<void>) => Promise<unknown>,
): Promise<CountCorrection[]> {
  let paused = false;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held = hold(() => {
    paused = true;
    return released;
  });
  await eventually('the other transaction paused', () => paused);
  const reconciled = reconcileJobCounts(db);
  await eventually('the reconciliation waits for a lock', async () => {
    const waiting = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return (waiting.rows[0]?.n ?? 0) > 0;
  });
  release();
  await held;
  return reconciled;
}

forEachDatabase('reconciling active job counts', (ctx) => {
  beforeEach(async () => {
    await ctx.db().query('TRUNCATE publishing_jobs, publishing_job_counts');
  });

  it('sets counts too high or missing to the active jobs, and to 0 where none is left', async () => {
    const db = ctx.db();
    const [queued, processing, retrying] = await admit(db, jobs('high', 't0', 3));
    assert.ok(queued !== undefined && processing !== undefined && retrying !== undefined);
    await setState(db, processing, 'processing', 'me');
    await setState(db, retrying, 'retrying');
    const [failed, succeeded] = await admit(db, jobs('medium', 't0', 2));
    assert.ok(failed !== undefined && succeeded !== undefined);
    await setState(db, failed, 'failed');
    await setState(db, succeeded, 'succeeded');
    await admit(db, jobs('high', 't1', 1));
    await admit(db, jobs('low', 't1', 1));
    await db.query(`DELETE FROM publishing_job_counts WHERE priority = 'low'`);
    await setCount(db, 'high', 't0', 5);
    await db.query(
      `INSERT INTO publishing_job_counts (priority, target_name, active) VALUES ('medium', 't1', 4)`,
    );

    const corrections = await reconcileJobCounts(db);

    assert.deepEqual(corrections, [
      { priority: 'high', target: 't0', from: 5, to: 3 },
      { priority: 'low', target: 't1', from: null, to: 1 },
      { priority: 'medium', target: 't0', from: 2, to: 1 },
      { priority: 'medium', target: 't1', from: 4, to: 0 },
    ]);
    assert.deepEqual(await countRows(db), [
      ['high', 't0', 3],
      ['high', 't1', 1],
      ['low', 't1', 1],
      ['medium', 't0', 1],
      ['medium', 't1', 0],
    ]);
  });

  it('raises a count that is too low', async () => {
    const db = ctx.db();
    await admit(db, jobs('low', 't0', 2));
    await setCount(db, 'low', 't0', 0);
    assert.deepEqual(await reconcileJobCounts(db), [
      { priority: 'low', target: 't0', from: 0, to: 2 },
    ]);
    assert.deepEqual(await countRows(db), [['low', 't0', 2]]);
  });

  it('leaves a table that matches the jobs unwritten', async () => {
    const db = ctx.db();
    await admit(db, [...jobs('high', 't0', 2), ...jobs('low', 't1', 1)]);
    const versions = () => db.query('SELECT xmin::text AS v FROM publishing_job_counts ORDER BY 1');
    const before = (await versions()).rows;
    assert.deepEqual(await reconcileJobCounts(db), []);
    assert.deepEqual((await versions()).rows, before, 'no row rewritten');
  });

  // PGlite runs one transaction at a time: these interleavings exist on a server only.
  const onServer = ctx.kind === 'postgres';

  if (onServer)
    it('a completion that changed its jobs and counts but has not committed is counted once', async () => {
      const db = ctx.db();
      const [done, running] = await admit(db, jobs('medium', 't0', 2));
      assert.ok(done !== undefined && running !== undefined);
      await setState(db, done, 'processing', 'me');
      await setState(db, running, 'processing', 'me');
      await setCount(db, 'medium', 't0', 5);
      const corrections = await reconcileWhileHeld(db, (pause) =>
        finishJobs(
          db,
          'me',
          T0,
          [
            {
              completion: { kind: 'succeeded', id: done },
              attempt: { at: T0, durationMs: 10 },
              counters: { retries: 0, is_retry_counted: false },
            },
          ],
          async () => {
            await pause();
            return 0;
          },
        ),
      );
      assert.deepEqual(corrections, [{ priority: 'medium', target: 't0', from: 4, to: 1 }]);
      assert.deepEqual(await countRows(db), [['medium', 't0', 1]]);
    });

  if (onServer)
    it('an admission that has not committed is counted once, also where its count row was missing', async () => {
      const db = ctx.db();
      await admit(db, jobs('medium', 't0', 1));
      await db.query('DELETE FROM publishing_job_counts');
      const corrections = await reconcileWhileHeld(db, (pause) =>
        admit(db, jobs('medium', 't0', 1), pause),
      );
      assert.deepEqual(corrections, [{ priority: 'medium', target: 't0', from: 1, to: 2 }]);
      assert.deepEqual(await countRows(db), [['medium', 't0', 2]]);
    });
});
