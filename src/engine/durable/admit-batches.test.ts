import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, it } from 'node:test';

import { anAlert } from '../../../test/support/builders.js';
import { forEachDatabase } from '../../../test/support/databases.js';
import type { DeadLetter } from '../../domain/dead-letter.js';
import type { TargetHealth } from '../admission.js';
import { overflowError } from '../job-errors.js';
import type { OverflowLetters } from './admit-jobs.js';
import { admitBatches } from './admit-jobs.js';
import type { NewJob } from './job-row.js';

const NOW = Date.parse('2026-12-07T05:00:00Z');
const HEALTHY: TargetHealth = { isFailing: () => false, isThrottled: () => false, enabledCount: 1 };
const SETTINGS = { capacity: { high: 100, medium: 3, low: 100 }, perTargetShare: 1 };
const NO_OVERFLOW: OverflowLetters = {
  insert: () => Promise.resolve(0),
  errorOf: () => assert.fail('no overflow expected'),
  letterOf: () => assert.fail('no overflow expected'),
};

function job(
  labels: Record<string, string>,
  status: 'firing' | 'resolved' = 'firing',
  startsAt = '2026-12-07T04:00:00.000Z',
): NewJob {
  return {
    id: randomUUID(),
    target: 'sink',
    alert: anAlert(labels, { status, startsAt }),
    priority: 'medium',
  };
}

/** `sink`'s breaker is open, and another target is enabled: its share of a lane of 4 is 2. */
const SINK_FAILING: TargetHealth = {
  isFailing: (target) => target === 'sink',
  isThrottled: () => false,
  enabledCount: 2,
};
const SHARED = { capacity: { high: 4, medium: 4, low: 4 }, perTargetShare: 0.5 };

/** Overflow letters kept as (job, reason) instead of stored. */
function overflowLetters(): OverflowLetters & { letters: Array<[string, string]> } {
  const letters: Array<[string, string]> = [];
  return {
    letters,
    insert: (_tx, inserted) => {
      for (const letter of inserted) letters.push([letter.jobId, letter.errorReason]);
      return Promise.resolve(inserted.length);
    },
    errorOf: (j, cause) => overflowError(j.target, j.priority, cause),
    letterOf: (j, _seq, error) => ({ jobId: j.id, errorReason: error.reason }) as DeadLetter,
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
      [first, second, third].map((jobs) => ({ jobs, health: HEALTHY, configured: [] })),
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
        { jobs: [firing, other], health: HEALTHY, configured: [] },
        { jobs: [resolve], health: HEALTHY, configured: [] },
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
      [[firing], refused, [resolve], [late]].map((jobs) => ({
        jobs,
        health: HEALTHY,
        configured: [],
      })),
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

  const recordedJob = async (j: NewJob) =>
    (
      await ctx
        .db()
        .query<{ job_id: string }>(
          `SELECT job_id FROM publishing_alert_states WHERE fingerprint = $1`,
          [j.alert.fingerprint],
        )
    ).rows.map((row) => row.job_id);

  it('lets an overflowed re-send supersede nothing and record nothing, within a batch and across batches', async () => {
    const firing = job({ n: '1' });
    const other = job({ n: '2' });
    const again = job({ n: '1' }); // Alertmanager's re-send, beyond the share in its own batch
    const later = job({ n: '1' }); // and again, in the next batch
    const overflow = overflowLetters();
    const group = await admitBatches(
      ctx.db(),
      [
        { jobs: [firing, other, again], health: SINK_FAILING, configured: [] },
        { jobs: [later], health: SINK_FAILING, configured: [] },
      ],
      SHARED,
      NOW,
      overflow,
    );
    assert.deepEqual(
      group.plans.map((plan) => (plan.ok ? plan.overflowed.map((j) => j.id) : plan.code)),
      [[again.id], [later.id]],
    );
    assert.equal(group.stale.size, 0);
    assert.deepEqual(group.supersededRows, []);
    assert.deepEqual(await rows(), [
      { id: firing.id, state: 'queued', superseded_by: null },
      { id: other.id, state: 'queued', superseded_by: null },
      { id: again.id, state: 'dlq', superseded_by: null },
      { id: later.id, state: 'dlq', superseded_by: null },
    ]);
    assert.deepEqual(overflow.letters, [
      [again.id, 'overflow'],
      [later.id, 'overflow'],
    ]);
    assert.deepEqual(await active(), [{ active: 2 }]);
    assert.deepEqual(await recordedJob(firing), [firing.id], 'the queued job is the newest');
  });

  it('lets an overflowed newer state supersede the older waiting one, so that it is not sent', async () => {
    const firing = job({ n: '1' });
    const other = job({ n: '2' });
    const resolve = job({ n: '1' }, 'resolved'); // beyond the share
    const overflow = overflowLetters();
    const group = await admitBatches(
      ctx.db(),
      [{ jobs: [firing, other, resolve], health: SINK_FAILING, configured: [] }],
      SHARED,
      NOW,
      overflow,
    );
    assert.deepEqual(
      group.plans.map((plan) => (plan.ok ? plan.overflowed.map((j) => j.id) : plan.code)),
      [[resolve.id]],
    );
    assert.deepEqual(await rows(), [
      { id: firing.id, state: 'superseded', superseded_by: resolve.id },
      { id: other.id, state: 'queued', superseded_by: null },
      { id: resolve.id, state: 'dlq', superseded_by: null },
    ]);
    assert.deepEqual(overflow.letters, [[resolve.id, 'overflow']]);
    assert.deepEqual(await active(), [{ active: 1 }]);
    assert.deepEqual(await recordedJob(firing), [resolve.id], 'the resolve is the newest');
  });

  it('leaves the recorded state of an earlier transaction to its queued job when a re-send overflows', async () => {
    const firing = job({ n: '1' });
    const other = job({ n: '2' });
    await admitBatches(
      ctx.db(),
      [{ jobs: [firing, other], health: SINK_FAILING, configured: [] }],
      SHARED,
      NOW,
      NO_OVERFLOW,
    );
    const again = job({ n: '1' });
    const overflow = overflowLetters();
    const group = await admitBatches(
      ctx.db(),
      [{ jobs: [again], health: SINK_FAILING, configured: [] }],
      SHARED,
      NOW + 60_000,
      overflow,
    );
    assert.deepEqual(group.supersededRows, []);
    assert.deepEqual(await rows(), [
      { id: firing.id, state: 'queued', superseded_by: null },
      { id: other.id, state: 'queued', superseded_by: null },
      { id: again.id, state: 'dlq', superseded_by: null },
    ]);
    assert.deepEqual(overflow.letters, [[again.id, 'overflow']]);
    assert.deepEqual(await recordedJob(firing), [firing.id]);
  });

  it('stores an overflowed job of an older state superseded, not as a letter', async () => {
    const refired = job({ n: '1' }, 'firing', '2026-12-07T04:30:00.000Z');
    const other = job({ n: '2' });
    const old = job({ n: '1' });
    const overflow = overflowLetters();
    const group = await admitBatches(
      ctx.db(),
      [{ jobs: [refired, other, old], health: SINK_FAILING, configured: [] }],
      SHARED,
      NOW,
      overflow,
    );
    assert.deepEqual(
      group.plans.map((plan) => (plan.ok ? plan.overflowed.map((j) => j.id) : plan.code)),
      [[old.id]],
    );
    assert.equal(group.stale.get(old.id), refired.id);
    assert.deepEqual(await rows(), [
      { id: refired.id, state: 'queued', superseded_by: null },
      { id: other.id, state: 'queued', superseded_by: null },
      { id: old.id, state: 'superseded', superseded_by: refired.id },
    ]);
    assert.deepEqual(overflow.letters, []);
    assert.deepEqual(await recordedJob(refired), [refired.id]);
  });
});
