import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Priority } from '../domain/job.js';
import type { Admittable, HeldCounts } from './admission.js';
import { planAdmission, shareLimit } from './admission.js';

const SETTINGS = { capacity: { high: 10, medium: 10, low: 10 }, perTargetShare: 0.5 };

function held(counts: Record<string, number> = {}): HeldCounts {
  return {
    inLane: (priority) =>
      Object.entries(counts)
        .filter(([key]) => key.startsWith(`${priority}:`))
        .reduce((sum, [, n]) => sum + n, 0),
    ofTarget: (priority, target) => counts[`${priority}:${target}`] ?? 0,
  };
}

function jobs(target: string, n: number, priority: Priority = 'medium'): Admittable[] {
  return Array.from({ length: n }, () => ({ target, priority }));
}

const healthy = (enabledCount = 2) => ({
  isFailing: () => false,
  isThrottled: () => false,
  enabledCount,
});
const failing = (...names: string[]) => ({
  isFailing: (target: string) => names.includes(target),
  isThrottled: () => false,
  enabledCount: 2,
});
const throttled = (...names: string[]) => ({
  isFailing: () => false,
  isThrottled: (target: string) => names.includes(target),
  enabledCount: 2,
});

describe('planAdmission', () => {
  it('refuses a healthy target beyond its share with queue_full naming it, never overflow', () => {
    const plan = planAdmission(jobs('a', 3), held({ 'medium:a': 4 }), SETTINGS, healthy());
    assert.deepEqual(plan, {
      ok: false,
      code: 'queue_full',
      priority: 'medium',
      share: { target: 'a', held: 5, limit: 5 },
    });
  });

  it("dead-letters a throttled target's jobs beyond its share when the batch's other jobs fit", () => {
    const batch = [...jobs('slow', 2), ...jobs('ok', 2)];
    const plan = planAdmission(batch, held({ 'medium:slow': 5 }), SETTINGS, throttled('slow'));
    assert.ok(plan.ok);
    assert.deepEqual(plan.accepted, jobs('ok', 2));
    assert.deepEqual(plan.overflowed, jobs('slow', 2));
    assert.equal(plan.causes.get('slow'), 'throttled');
  });

  it('refuses a batch of a throttled target alone beyond its share, naming it', () => {
    const plan = planAdmission(
      jobs('slow', 2),
      held({ 'medium:slow': 5 }),
      SETTINGS,
      throttled('slow'),
    );
    assert.deepEqual(plan, {
      ok: false,
      code: 'queue_full',
      priority: 'medium',
      share: { target: 'slow', held: 5, limit: 5 },
    });
  });

  it('refuses a throttled target beyond its share when the lane has no room for the others', () => {
    const counts = { 'medium:slow': 5, 'medium:c': 4 };
    const batch = [...jobs('slow', 1), ...jobs('ok', 2)];
    const plan = planAdmission(batch, held(counts), SETTINGS, throttled('slow'));
    assert.deepEqual(plan, { ok: false, code: 'queue_full', priority: 'medium' });
  });

  it("dead-letters a failing target's jobs beyond its share and accepts the rest", () => {
    const batch = [...jobs('dead', 3), ...jobs('ok', 3)];
    const plan = planAdmission(batch, held({ 'medium:dead': 4 }), SETTINGS, failing('dead'));
    assert.ok(plan.ok);
    assert.equal(plan.overflowed.length, 2);
    assert.ok(plan.overflowed.every((job) => job.target === 'dead'));
    assert.equal(plan.accepted.length, 4);
  });

  it('judges a batch on the jobs it will hold: overflowed jobs do not fill the lane', () => {
    // 7 held of 10: the 3 healthy jobs fit; the 3 of the failing target overflow.
    const counts = { 'medium:dead': 5, 'medium:other': 2 };
    const batch = [...jobs('dead', 3), ...jobs('ok', 3)];
    const plan = planAdmission(batch, held(counts), SETTINGS, failing('dead'));
    assert.ok(plan.ok);
    assert.equal(plan.accepted.length, 3);
    assert.equal(plan.overflowed.length, 3);
  });

  it('refuses the whole batch with queue_full when a lane cannot take what it would hold', () => {
    const plan = planAdmission(
      [...jobs('a', 2, 'high'), ...jobs('b', 1, 'low')],
      held({ 'low:c': 10 }),
      SETTINGS,
      healthy(3),
    );
    assert.deepEqual(plan, { ok: false, code: 'queue_full', priority: 'low' });
  });

  it('answers batch_too_large naming the target that has more jobs in the batch than its share', () => {
    const plan = planAdmission(jobs('a', 6), held(), SETTINGS, healthy());
    assert.deepEqual(plan, {
      ok: false,
      code: 'batch_too_large',
      priority: 'medium',
      capacity: 5,
      size: 6,
      target: 'a',
    });
  });

  it('answers batch_too_large when a lane could never hold the batch', () => {
    const batch = [...jobs('a', 5, 'high'), ...jobs('b', 5, 'high'), ...jobs('c', 1, 'high')];
    const plan = planAdmission(batch, held(), SETTINGS, healthy(3));
    assert.deepEqual(plan, {
      ok: false,
      code: 'batch_too_large',
      priority: 'high',
      capacity: 10,
      size: 11,
    });
  });

  it('lets the only enabled target use the whole lane', () => {
    assert.equal(shareLimit(SETTINGS, 'medium', 1), 10);
    assert.equal(shareLimit(SETTINGS, 'medium', 2), 5);
    const plan = planAdmission(jobs('a', 8), held(), SETTINGS, healthy(1));
    assert.ok(plan.ok);
    assert.equal(plan.accepted.length, 8);
  });

  it('gives a target at least one job of a lane whatever its share', () => {
    assert.equal(shareLimit({ capacity: SETTINGS.capacity, perTargetShare: 0.01 }, 'low', 5), 1);
  });
});
