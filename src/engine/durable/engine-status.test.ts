import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_ENGINE_CONFIG } from '../../../test/support/engine-defaults.js';
import { engineStatus, targetJobsOf } from './engine-status.js';
import type { LaneCount } from './read-jobs.js';

const T0 = Date.parse('2026-12-07T12:00:00Z');

function aCount(count: Partial<LaneCount> & Pick<LaneCount, 'target_name'>): LaneCount {
  return {
    priority: 'high',
    queued: 0,
    retrying: 0,
    processing: 0,
    oldestDueAt: null,
    oldestSubmittedAt: new Date(T0),
    ...count,
  };
}

// The heartbeat's counts per lane and target: status() sums a lane's targets, the targets API
// reads one target's lanes.
describe('durable status and target jobs from the counts per lane and target', () => {
  const counts = [
    aCount({ target_name: 'a', queued: 2, retrying: 1, oldestDueAt: new Date(T0 + 5_000) }),
    aCount({ target_name: 'b', queued: 1, processing: 2, oldestDueAt: new Date(T0 + 1_000) }),
    aCount({
      target_name: 'a',
      priority: 'low',
      retrying: 4,
      oldestSubmittedAt: new Date(T0 - 60_000),
    }),
  ];

  it("sums every target of a lane, its oldest due job the oldest of any target's", () => {
    const status = engineStatus(counts, DEFAULT_ENGINE_CONFIG, 0, false, T0 + 10_000, 'me');
    assert.equal(status.lanes.high.queued, 3);
    assert.equal(status.lanes.high.retrying, 1);
    assert.equal(status.lanes.high.size, 4);
    assert.equal(status.lanes.high.oldestDueAgeMs, 9_000);
    assert.equal(status.lanes.low.retrying, 4);
    assert.equal(status.retrying, 5);
    assert.equal(status.inFlight, 2);
  });

  it("counts a target's waiting and claimed jobs of every lane, and its oldest submission", () => {
    assert.deepEqual(targetJobsOf(counts, 'a'), { active: 7, oldestSubmittedAt: T0 - 60_000 });
    assert.deepEqual(targetJobsOf(counts, 'b'), { active: 3, oldestSubmittedAt: T0 });
    assert.deepEqual(targetJobsOf(counts, 'none'), { active: 0 });
  });
});
