import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Breaker } from './breaker.js';
import type { BreakerState } from './publishing-engine.js';

function aBreaker(): { breaker: Breaker; transitions: BreakerState[] } {
  const transitions: BreakerState[] = [];
  const breaker = new Breaker(
    { failureThreshold: 5, successThreshold: 2, openTimeoutMs: 30_000 },
    (to) => transitions.push(to),
  );
  return { breaker, transitions };
}

function fail(breaker: Breaker, times: number, now = 0): void {
  for (let i = 0; i < times; i += 1) breaker.record('failure', breaker.begin(), now);
}

describe('Breaker', () => {
  it('opens after 5 consecutive failed attempts, not 4', () => {
    const { breaker } = aBreaker();
    fail(breaker, 4);
    assert.equal(breaker.state, 'closed');
    fail(breaker, 1);
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.allows(), false);
  });

  it('neither counts nor resets on neutral outcomes (4xx, 429)', () => {
    const { breaker } = aBreaker();
    fail(breaker, 4);
    breaker.record('neutral', false, 0);
    assert.equal(breaker.consecutiveFailures, 4);
    fail(breaker, 1);
    assert.equal(breaker.state, 'open');
  });

  it('resets the count on a success', () => {
    const { breaker } = aBreaker();
    fail(breaker, 4);
    breaker.record('success', false, 0);
    fail(breaker, 4);
    assert.equal(breaker.state, 'closed');
  });

  it('lets one probe through after the open time and closes after 2 successes', () => {
    const { breaker, transitions } = aBreaker();
    fail(breaker, 5, 1_000);
    breaker.refresh(30_999);
    assert.equal(breaker.allows(), false);
    breaker.refresh(31_000);
    assert.equal(breaker.state, 'half_open');
    assert.equal(breaker.allows(), true);
    assert.equal(breaker.begin(), true);
    assert.equal(breaker.allows(), false, 'a second probe waits');
    breaker.record('success', true, 31_000);
    assert.equal(breaker.state, 'half_open');
    breaker.record('success', breaker.begin(), 31_000);
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(transitions, ['open', 'half_open', 'closed']);
  });

  it('reopens when the probe fails', () => {
    const { breaker } = aBreaker();
    fail(breaker, 5);
    breaker.refresh(30_000);
    breaker.record('failure', breaker.begin(), 30_000);
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.reopensAt(), 60_000);
  });

  it('closes at a reset, a transition with its reason, and ignores the old probe', () => {
    const transitions: Array<[BreakerState, string | undefined]> = [];
    const breaker = new Breaker(
      { failureThreshold: 5, successThreshold: 2, openTimeoutMs: 30_000 },
      (to, reason) => transitions.push([to, reason]),
    );
    fail(breaker, 5);
    breaker.refresh(30_000);
    const isProbe = breaker.begin();
    breaker.reset('moved');
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.reopensAt(), undefined);
    breaker.record('failure', isProbe, 30_000);
    assert.equal(breaker.consecutiveFailures, 0, "the old endpoint's probe counts for nothing");
    assert.deepEqual(transitions, [
      ['open', undefined],
      ['half_open', undefined],
      ['closed', 'moved'],
    ]);
  });

  it('forgets the failures of a closed breaker at a reset, without a transition', () => {
    const { breaker, transitions } = aBreaker();
    fail(breaker, 4);
    breaker.reset('moved');
    fail(breaker, 4);
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(transitions, []);
  });

  it('says the target is down since a time when nothing succeeded from then on, whatever its state', () => {
    const { breaker } = aBreaker();
    assert.equal(breaker.isDownSince(1_000), true, 'no success seen yet (a fresh start)');
    breaker.record('success', false, 2_000);
    assert.equal(breaker.isDownSince(1_000), false, 'a success after the job began');
    assert.equal(breaker.isDownSince(2_000), false, 'a success at that very time');
    assert.equal(breaker.isDownSince(2_001), true, 'only failures since');
    fail(breaker, 5, 3_000);
    assert.equal(breaker.state, 'open');
    // Jobs failing on their own may open it while the target delivers the others.
    assert.equal(breaker.isDownSince(1_000), false, 'open, but a success since');
    assert.equal(breaker.isDownSince(2_500), true, 'open, and nothing since');
    breaker.reset('the address changed');
    assert.equal(
      breaker.isDownSince(1_000),
      true,
      'a reset forgets the successes of the old address',
    );
  });
});
