import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, it } from 'node:test';

import { forEachDatabase } from '../../../test/support/databases.js';
import { indexesOf, planOf, recording } from '../../../test/support/query-plan.js';
import type { Db } from '../../db/db.js';
import type { JobState, Priority } from '../../domain/job.js';
import { purgeFinished } from './purge-finished.js';
import { listJobRows, readJobsOf } from './read-jobs.js';

const T0 = Date.parse('2026-12-07T08:00:00Z');

interface Seed {
  fingerprint: string;
  state: JobState;
  /** Seconds after T0. */
  updated: number;
  target?: string;
  priority?: Priority;
}

/** Inserts job rows as they stand in the table (seq in the order given); returns their ids. */
async function seed(db: Db, rows: readonly Seed[]): Promise<string[]> {
  const ids = rows.map(() => randomUUID());
  await db.query(
    `INSERT INTO publishing_jobs (id, target_name, fingerprint, alertname, alert_status, priority,
       state, alert, submitted_at, updated_at, due_at, lease_owner, may_wait)
     SELECT u.id, u.target, u.fingerprint, 'A', 'firing', u.priority, u.state, '{}'::json,
       u.updated, u.updated, u.updated, CASE WHEN u.state = 'processing' THEN 'me' END, false
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
       WITH ORDINALITY AS u(id, target, fingerprint, priority, state, updated, n)
     ORDER BY u.n`,
    [
      ids,
      rows.map((row) => row.target ?? 't0'),
      rows.map((row) => row.fingerprint),
      rows.map((row) => row.priority ?? 'high'),
      rows.map((row) => row.state),
      rows.map((row) => new Date(T0 + row.updated * 1000).toISOString()),
    ],
  );
  return ids;
}

// The job list and the alert timeline read final rows and active rows through different
// partial indexes (migrations/0011) and merge them.
forEachDatabase('durable job reads across final and active rows', (ctx) => {
  beforeEach(async () => {
    await ctx.db().query('TRUNCATE publishing_jobs');
  });

  it('list the most recently updated first, final and active alike, under each filter', async () => {
    const db = ctx.db();
    const [done, queued, dead, running, superseded, retrying] = await seed(db, [
      { fingerprint: 'a', state: 'succeeded', updated: 5 },
      { fingerprint: 'b', state: 'queued', updated: 6, priority: 'low' },
      { fingerprint: 'c', state: 'dlq', updated: 3, target: 't1' },
      { fingerprint: 'd', state: 'processing', updated: 4, target: 't1' },
      { fingerprint: 'e', state: 'superseded', updated: 7, priority: 'low' },
      { fingerprint: 'f', state: 'retrying', updated: 1 },
    ]);
    const ids = async (filter: Parameters<typeof listJobRows>[1]) =>
      (await listJobRows(db, filter, () => undefined)).map((job) => job.id);

    assert.deepEqual(await ids({}), [superseded, queued, done, running, dead, retrying]);
    assert.deepEqual(await ids({ limit: 3 }), [superseded, queued, done]);
    assert.deepEqual(await ids({ state: 'dlq' }), [dead]);
    assert.deepEqual(await ids({ state: 'processing' }), [running]);
    assert.deepEqual(await ids({ priority: 'low' }), [superseded, queued]);
    assert.deepEqual(await ids({ target: 't1', limit: 1 }), [running]);
    assert.deepEqual(await ids({ state: 'queued', target: 't1' }), []);
  });

  it('read the newest jobs of an alert oldest first, final and active alike', async () => {
    const db = ctx.db();
    const [first, second, third, fourth] = await seed(db, [
      { fingerprint: 'a', state: 'superseded', updated: 1 },
      { fingerprint: 'a', state: 'processing', updated: 9, target: 't1' },
      { fingerprint: 'a', state: 'succeeded', updated: 2 },
      { fingerprint: 'a', state: 'queued', updated: 3 },
      { fingerprint: 'b', state: 'queued', updated: 4 },
    ]);
    const ids = async (limit: number) =>
      (await readJobsOf(db, 'a', limit, () => undefined)).map((job) => job.id);

    assert.deepEqual(await ids(100), [first, second, third, fourth]);
    assert.deepEqual(await ids(3), [second, third, fourth]);
    assert.deepEqual(await ids(1), [fourth]);
  });

  it('read final rows through the final-only indexes and active ones through the chain index', async () => {
    const db = ctx.db();
    const rows: Seed[] = Array.from({ length: 3000 }, (_, i) => ({
      fingerprint: `f${i % 500}`,
      state: i % 10 === 0 ? 'queued' : 'succeeded',
      updated: i,
    }));
    await seed(db, rows);
    await db.query('ANALYZE publishing_jobs');
    const { db: recorded, statements } = recording(db);
    await listJobRows(recorded, {}, () => undefined);
    await readJobsOf(recorded, 'f7', 100, () => undefined);
    await purgeFinished(recorded, T0, 100);
    const [list, timeline, purge] = statements;
    assert.ok(list !== undefined && timeline !== undefined && purge !== undefined);

    for (const { sql, params } of [list, timeline, purge]) {
      for (const node of await planOf(db, sql, params)) {
        if (node['Relation Name'] !== 'publishing_jobs') continue;
        assert.notEqual(node['Node Type'], 'Seq Scan', sql);
      }
    }
    const listed = indexesOf(await planOf(db, list.sql, list.params));
    assert.ok(listed.includes('publishing_jobs_updated_idx'), listed.join());
    const read = indexesOf(await planOf(db, timeline.sql, timeline.params));
    assert.ok(read.includes('publishing_jobs_fingerprint_idx'), read.join());
    assert.ok(read.includes('publishing_jobs_chain_idx'), read.join());
    const purged = indexesOf(await planOf(db, purge.sql, purge.params));
    assert.ok(purged.includes('publishing_jobs_updated_idx'), purged.join());
  });
});
