import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Registry } from 'prom-client';

import { aTarget } from '../../../test/engine/memory/engine-harness.js';
import { anAlert } from '../../../test/support/builders.js';
import { createFakeClock } from '../../../test/support/fake-clock.js';
import { createScriptedPublisher } from '../../../test/support/scripted-publisher.js';
import type { Priority } from '../../domain/job.js';
import { createMetrics } from '../../metrics/metrics.js';
import { Breaker } from '../breaker.js';
import { TargetMeters } from '../target-meters.js';
import type { ActiveJob, TargetSlot } from './active-job.js';
import { createSlot, newActiveJob } from './active-job.js';
import { Scheduler } from './scheduler.js';

const MAX_WAIT_MS = { medium: 10_000, low: 60_000 };

/** A scheduler over one target, with the default max waits. */
function aScheduler(now: number): { scheduler: Scheduler; slot: TargetSlot } {
  const target = aTarget({ name: 'a', publisher: createScriptedPublisher() });
  const breaker = new Breaker(
    { failureThreshold: 5, successThreshold: 1, openTimeoutMs: 30_000 },
    () => undefined,
  );
  const meters = new TargetMeters(createMetrics(new Registry()), target.name);
  const slot = createSlot(target, breaker, meters, now);
  const scheduler = new Scheduler(() => ({ perTargetConcurrency: 4, maxWaitMs: MAX_WAIT_MS }));
  scheduler.setSlots([slot]);
  return { scheduler, slot };
}

let seq = 0;

/** A job of its own alert (its own chain) named `name`, due from `now`. */
function aJob(slot: TargetSlot, name: string, priority: Priority, now: number): ActiveJob {
  const request = { target: slot.target.name, alert: anAlert({ name }) };
  return newActiveJob(request, slot, priority, name, (seq += 1), now);
}

/** The ids of the jobs `next` hands out at `now`, until it hands out none. */
function drain(scheduler: Scheduler, now: number): string[] {
  const order: string[] = [];
  for (let job = scheduler.next(now); job !== undefined; job = scheduler.next(now)) {
    order.push(job.id);
  }
  return order;
}

describe('scheduler aging', () => {
  it('gives an aged medium job the turn ahead of high, not an older low job still within max_wait.low', async () => {
    const clock = createFakeClock();
    const { scheduler, slot } = aScheduler(clock.now());
    scheduler.add(aJob(slot, 'low_t0', 'low', clock.now()), clock.now());
    await clock.advance(39_000);
    scheduler.add(aJob(slot, 'med_t39', 'medium', clock.now()), clock.now());
    await clock.advance(10_000);
    scheduler.add(aJob(slot, 'high_t49', 'high', clock.now()), clock.now());
    await clock.advance(1_000);
    // At 50 s: the medium job waited 11 s (aged), the low one 50 s (not aged: 60 s for low).
    assert.deepEqual(drain(scheduler, clock.now()), ['med_t39', 'high_t49', 'low_t0']);
  });

  it('ages a job only once due longer than max_wait: exactly max_wait is not aged', async () => {
    const clock = createFakeClock();
    const { scheduler, slot } = aScheduler(clock.now());
    scheduler.add(aJob(slot, 'med_t0', 'medium', clock.now()), clock.now());
    scheduler.add(aJob(slot, 'low_t0', 'low', clock.now()), clock.now());
    await clock.advance(5_000);
    for (const name of ['high0', 'high1', 'high2', 'high3']) {
      scheduler.add(aJob(slot, name, 'high', clock.now()), clock.now());
    }
    await clock.advance(MAX_WAIT_MS.medium - 5_000);
    assert.equal(scheduler.next(clock.now())?.id, 'high0');
    await clock.advance(1);
    assert.equal(scheduler.next(clock.now())?.id, 'med_t0');
    await clock.advance(MAX_WAIT_MS.low - MAX_WAIT_MS.medium - 1);
    assert.equal(scheduler.next(clock.now())?.id, 'high1');
    assert.equal(scheduler.next(clock.now())?.id, 'high2');
    await clock.advance(1);
    assert.equal(scheduler.next(clock.now())?.id, 'low_t0');
  });
});
