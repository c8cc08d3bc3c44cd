import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';

import { forEachDatabase } from '../../../test/support/databases.js';
import { indexesOf, planOf, recording } from '../../../test/support/query-plan.js';
import { submitJobs } from '../../../test/engine/durable/support/submit.js';
import { readTargetsWithActiveJobs, readTargetsWithClaimedJobs } from './active-job-targets.js';

const T0 = Date.parse('2026-11-29T12:00:00Z');

forEachDatabase('targets with active jobs', (ctx) => {
  beforeEach(async () => {
    await ctx.db().query('TRUNCATE publishing_jobs, publishing_job_counts');
  });

  it('names each target with a waiting or claimed job once, and none whose jobs are final', async () => {
    const db = ctx.db();
    await submitJobs(db, 3000, { targets: 4, nowMs: T0 });
    await db.query(`UPDATE publishing_jobs SET state = 'succeeded' WHERE target_name = 't3'`);
    await db.query(
      `UPDATE publishing_jobs SET state = 'processing', lease_owner = 'gone'
       WHERE target_name = 't2'`,
    );
    await db.query('ANALYZE publishing_jobs');
    const { db: recorded, statements } = recording(db);
    assert.deepEqual(await readTargetsWithActiveJobs(recorded), ['t0', 't1', 't2']);
    const [search] = statements;
    assert.ok(search !== undefined);
    const nodes = await planOf(db, search.sql, search.params);
    for (const node of nodes) {
      if (node['Relation Name'] === 'publishing_jobs')
        assert.notEqual(node['Node Type'], 'Seq Scan');
    }
    assert.ok(indexesOf(nodes).includes('publishing_jobs_due_idx'), indexesOf(nodes).join());
  });

  it('names the targets with jobs claimed that were submitted before their time', async () => {
    const db = ctx.db();
    await submitJobs(db, 30, { targets: 3, nowMs: T0 });
    await db.query(
      `UPDATE publishing_jobs SET state = 'processing', lease_owner = 'gone'
       WHERE target_name IN ('t1', 't2')`,
    );
    const claimed = await readTargetsWithClaimedJobs(db, [
      { name: 't0', beforeMs: T0 + 1 },
      { name: 't1', beforeMs: T0 + 1 },
      { name: 't2', beforeMs: T0 },
    ]);
    assert.deepEqual([...claimed], ['t1'], 't0 waits, t2 was submitted at its time, not before');
  });
});
