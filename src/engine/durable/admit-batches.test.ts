import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, it } from 'node:test';

import { anAlert } from '../../../test/support/builders.js';
import { forEachDatabase } from '../../../test/support/databases.js';
import type { TargetHealth } from '../admission.js';
import type { OverflowLetters } from './admit-jobs.js';
import { admitBatches } from './admit-jobs.js';
import type { NewJob } from './job-row.js';

const NOW = Date.parse('2026-12-07T05:00:00Z');
const HEALTHY: TargetHealth = { isFailing: () => false, enabledCount: 1 };
const SETTINGS = { capacity: { high: 100, medium: 3, low: 100 }, perTargetShare: 1 };
const NO_OVERFLOW: OverflowLetters = {
  insert: () => Promise.resolve(0),
  errorOf: () => assert.fail('no overflow expected'),
  letterOf: () => assert.fail('no overflow expected'),
};

function job(labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing'): NewJob {
  return {
    id: randomUUID(),
    target: 'sink',
    alert: anAlert(labels, { status, startsAt: '2026-12-07T04:00:00.000Z' }),
    priority: 'medium',
  };
}

/**
 * Batches that arrive together go in one admission transaction (createAdmissionGroup), each
 * with the outcome consecutive transactions would give it.
 */
forEachDatabase('durable admission of several batches in one transaction', (ctx) => {
  beforeEach(async () => {
    await ctx
      .db()
      .query('TRUNCATE publishing_jobs, publishing_job_counts, publishing_alert_states');
  });

  const rows = async () =>
    (
      await ctx
        .db()
        .query<{ id: string; state: string; superseded_by: string | null }>(
          'SELECT id, state, superseded_by FROM publishing_jobs ORDER BY seq',
        )
    ).rows;
  const active = async () =>
    (await ctx.db().query<{ active: number }>('SELECT active FROM publishing_job_counts')).rows;

  it('judges each batch against the lane as the earlier batches left it', async () => {
    const first = [job({ n: '1' }), job({ n: '2' })];
    const second = [job({ n: '3' }), job({ n: '4' })];
    const third = [job({ n: '5' })];
    const group = await admitBatches(
      ctx.db(),
      [first, second, third].map((jobs) => ({ jobs, health: HEALTHY })),
      SETTINGS,
      NOW,
      NO_OVERFLOW,
    );
    assert.deepEqual(
      group.plans.map((plan) => (plan.ok ? 'accepted' : plan.code)),
      ['accepted', 'queue_full', 'accepted'],
      'the second does not fit beside the first (lane of 3); the third does',
    );
    assert.deepEqual(
      (await rows()).map((row) => row.id),
      [...first, ...third].map((j) => j.id),
      'the refused batch stores nothing; the others keep their order',
    );
    assert.deepEqual(await active(), [{ active: 3 }]);
  });

  it('lets a later batch supersede an earlier one of the same transaction', async () => {
    const firing = job({ n: '1' });
    const other = job({ n: '2' });
    const resolve = job({ n: '1' }, 'resolved');
    const group = await admitBatches(
      ctx.db(),
      [
        { jobs: [firing, other], health: HEALTHY },
        { jobs: [resolve], health: HEALTHY },
      ],
      SETTINGS,
      NOW,
      NO_OVERFLOW,
    );
    assert.ok(group.plans.every((plan) => plan.ok));
    assert.equal(group.stale.get(firing.id), resolve.id);
    assert.deepEqual(await rows(), [
      { id: firing.id, state: 'superseded', superseded_by: resolve.id },
      { id: other.id, state: 'queued', superseded_by: null },
      { id: resolve.id, state: 'queued', superseded_by: null },
    ]);
    assert.deepEqual(await active(), [{ active: 2 }], 'the superseded job is not counted');
    const recorded = await ctx
      .db()
      .query<{ job_id: string }>(
        `SELECT job_id FROM publishing_alert_states WHERE fingerprint = $1`,
        [firing.alert.fingerprint],
      );
    assert.deepEqual(recorded.rows, [{ job_id: resolve.id }]);
  });

  it('leaves the chains alone for a refused batch, and stores a stale later job superseded', async () => {
    const firing = job({ n: '1' });
    const refused = [job({ n: '1' }, 'resolved'), job({ n: '2' }), job({ n: '3' })];
    const resolve = job({ n: '4' }, 'resolved');
    const late = job({ n: '4' });
    const group = await admitBatches(
      ctx.db(),
      [[firing], refused, [resolve], [late]].map((jobs) => ({ jobs, health: HEALTHY })),
      SETTINGS,
      NOW,
      NO_OVERFLOW,
    );
    assert.deepEqual(
      group.plans.map((plan) => (plan.ok ? 'accepted' : plan.code)),
      ['accepted', 'queue_full', 'accepted', 'accepted'],
    );
    assert.deepEqual(await rows(), [
      { id: firing.id, state: 'queued', superseded_by: null },
      { id: resolve.id, state: 'queued', superseded_by: null },
      { id: late.id, state: 'superseded', superseded_by: resolve.id },
    ]);
    assert.deepEqual(await active(), [{ active: 2 }]);
  });
});
