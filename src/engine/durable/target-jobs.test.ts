import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, it } from 'node:test';

import { forEachDatabase } from '../../../test/support/databases.js';
import { planOf, recording } from '../../../test/support/query-plan.js';
import type { Db } from '../../db/db.js';
import type { JobState } from '../../domain/job.js';
import { readTargetJobs } from './target-jobs.js';

const T0 = Date.parse('2026-12-07T08:00:00Z');

/** Job rows of `target`, submitted `at` seconds after T0, and its lane counts as admission keeps them. */
async function seed(
  db: Db,
  target: string,
  rows: ReadonlyArray<{ state: JobState; at: number }>,
): Promise<void> {
  await db.query(
    `INSERT INTO publishing_jobs (id, target_name, fingerprint, alertname, alert_status, priority,
       state, alert, submitted_at, updated_at, due_at, lease_owner, may_wait)
     SELECT u.id, $1, u.id::text, 'A', 'firing', 'high', u.state, '{}'::json, u.at, u.at, u.at,
       CASE WHEN u.state = 'processing' THEN 'me' END, false
     FROM unnest($2::uuid[], $3::text[], $4::timestamptz[]) AS u(id, state, at)`,
    [
      target,
      rows.map(() => randomUUID()),
      rows.map((row) => row.state),
      rows.map((row) => new Date(T0 + row.at * 1000).toISOString()),
    ],
  );
  const active = rows.filter((row) => !['succeeded', 'dlq', 'superseded'].includes(row.state));
  await db.query(
    `INSERT INTO publishing_job_counts (priority, target_name, active) VALUES ('high', $1, $2)`,
    [target, active.length],
  );
}

// The targets API's jobs of each target (PublishingEngine.targetJobs) in durable mode.
forEachDatabase('durable active jobs per target', (ctx) => {
  beforeEach(async () => {
    await ctx.db().query('TRUNCATE publishing_jobs, publishing_job_counts');
  });

  it('counts the active jobs of each target and finds the oldest submitted, in flight or not', async () => {
    const db = ctx.db();
    await seed(db, 't0', [
      { state: 'succeeded', at: 0 },
      { state: 'processing', at: 1 },
      { state: 'retrying', at: 3 },
      { state: 'queued', at: 5 },
    ]);
    await seed(db, 't1', [
      { state: 'dlq', at: 2 },
      { state: 'queued', at: 9 },
    ]);
    const jobs = await readTargetJobs(db, ['t0', 't1', 'none']);
    assert.deepEqual(jobs.get('t0'), { active: 3, oldestSubmittedAt: T0 + 1_000 });
    assert.deepEqual(jobs.get('t1'), { active: 1, oldestSubmittedAt: T0 + 9_000 });
    assert.deepEqual(jobs.get('none'), { active: 0 });
  });

  it('reads index ranges of the named targets, never the whole jobs table', async () => {
    const db = ctx.db();
    for (let t = 0; t < 10; t += 1) {
      const states: JobState[] = ['succeeded', 'queued', 'retrying', 'processing'];
      await seed(
        db,
        `t${t}`,
        Array.from({ length: 300 }, (_, i) => ({ state: states[i % 4] ?? 'queued', at: i })),
      );
    }
    await db.query('ANALYZE publishing_jobs');
    const { db: recorded, statements } = recording(db);
    await readTargetJobs(recorded, ['t3']);
    const [read] = statements;
    assert.ok(read !== undefined);
    for (const node of await planOf(db, read.sql, read.params)) {
      if (node['Relation Name'] !== 'publishing_jobs') continue;
      assert.notEqual(node['Node Type'], 'Seq Scan', read.sql);
    }
  });
});
