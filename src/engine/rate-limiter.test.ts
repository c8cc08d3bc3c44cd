import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  KNEE_HOLD_MS,
  MIN_RATE_PER_SECOND,
  RECOVERY_PER_SUCCESS,
  RateLimiter,
  shownRate,
} from './rate-limiter.js';

/** Start times of `count` attempts started as soon as the limiter allows, from `from`. */
function paced(limiter: RateLimiter, from: number, count: number): number[] {
  const starts: number[] = [];
  let now = from;
  while (starts.length < count) {
    now = limiter.readyAt(now);
    limiter.take(now);
    starts.push(now);
  }
  return starts;
}

describe('RateLimiter', () => {
  it('lets a burst through, then paces attempts at the configured rate', () => {
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, 0);
    assert.deepEqual(paced(limiter, 10_000, 6), [10_000, 10_000, 10_000, 10_500, 11_000, 11_500]);
  });

  it('is unlimited without a configured rate until a 429', () => {
    const limiter = new RateLimiter(undefined, 0);
    assert.deepEqual(paced(limiter, 0, 4), [0, 0, 0, 0]);
    assert.equal(limiter.currentRate, undefined);
  });

  it('halves the rate it was sent at on a 429, once per round of attempts', () => {
    const limiter = new RateLimiter({ perSecond: 8, burst: 1 }, 0);
    for (let at = 0; at < 1_000; at += 125) limiter.take(at); // 8 a second
    limiter.rateLimited(1_000, 875);
    assert.equal(limiter.currentRate, 4);
    limiter.rateLimited(1_000, 500);
    assert.equal(limiter.currentRate, 4, 'it started before the first halving');
    limiter.rateLimited(1_500, 1_200);
    assert.equal(limiter.currentRate, 4, 'within a second of it: the same overshoot');
    limiter.take(2_000);
    limiter.rateLimited(2_100, 2_000);
    assert.equal(limiter.currentRate, 2);
  });

  it('halves the rate the target was observed to be sent at, not a rate it never reached', () => {
    const limiter = new RateLimiter({ perSecond: 8, burst: 1 }, 0);
    limiter.take(0);
    limiter.take(1_000); // 2 attempts over 1 s while 8 a second were allowed
    limiter.rateLimited(1_000, 1_000);
    assert.equal(limiter.currentRate, 1, 'half of 2/s, not half of 8/s');
  });

  it('recovers to the knee (just under the rate the 429 came at) within ten successes, holds it, then probes', () => {
    const limiter = new RateLimiter({ perSecond: 2, burst: 1 }, 0);
    for (let at = 0; at < 10_000; at += 1_000) {
      limiter.take(at);
      limiter.succeeded(at);
    }
    limiter.take(10_000);
    limiter.rateLimited(10_000, 10_000); // sent and accepted at about 1/s
    assert.equal((limiter.currentRate ?? 0).toFixed(2), '0.56', 'half of 10 attempts in 9 s');
    for (let i = 0; i < 10; i += 1) limiter.succeeded(11_000 + i);
    assert.equal(limiter.currentRate, 0.95, 'back at the knee, 95% of 1/s, and no higher');
    limiter.succeeded(10_000 + KNEE_HOLD_MS - 1);
    assert.equal(limiter.currentRate, 0.95, 'held there');
    for (let i = 0; i < 3; i += 1) limiter.succeeded(10_000 + KNEE_HOLD_MS + i);
    assert.ok(Math.abs((limiter.currentRate ?? 0) - (0.95 + 3 * RECOVERY_PER_SUCCESS)) < 1e-9);
    for (let i = 0; i < 20; i += 1) limiter.succeeded(50_000 + i);
    assert.equal(limiter.currentRate, 2, 'up to the configured rate');
  });

  it('throttles an unconfigured target from the rate it was sent at and lifts the limit once recovered', () => {
    const limiter = new RateLimiter(undefined, 0);
    for (let at = 0; at < 10_000; at += 100) limiter.take(at); // 10 attempts a second
    limiter.rateLimited(10_000, 9_900);
    assert.equal(limiter.currentRate, 5);
    assert.equal(limiter.readyAt(10_000), 10_200);
    for (let i = 0; i < 200 && limiter.currentRate !== undefined; i += 1) {
      limiter.succeeded(10_000 + KNEE_HOLD_MS + i);
    }
    assert.equal(limiter.currentRate, undefined, 'back to unlimited at twice the rate sent at');
  });

  it('measures the rate a burst was sent at over the time it spans, not the whole window', () => {
    const limiter = new RateLimiter(undefined, 0);
    for (let i = 0; i < 9; i += 1) limiter.take(5_000); // 9 attempts at one instant
    limiter.rateLimited(5_000, 5_000);
    assert.equal(limiter.currentRate, 4.5, 'sent at 9/s (over one second), halved');
  });

  it('never goes below one attempt a minute', () => {
    const limiter = new RateLimiter({ perSecond: 0.02, burst: 1 }, 0);
    for (let i = 1; i <= 10; i += 1) limiter.rateLimited(i * 1_000, i * 1_000);
    assert.equal(limiter.currentRate, MIN_RATE_PER_SECOND);
  });

  it("never halves below half of the target's Retry-After, nor above its configured rate", () => {
    const limiter = new RateLimiter({ perSecond: 20, burst: 1 }, 0);
    // An episode of 429s answered one at a time, each asking to retry in a second.
    for (let i = 1; i <= 8; i += 1) {
      limiter.take(i * 1_000);
      limiter.rateLimited(i * 1_000, i * 1_000, 1_000);
    }
    assert.equal(limiter.currentRate, 0.5, 'one attempt per two Retry-Afters, not 1 / 2^8');
    const slow = new RateLimiter({ perSecond: 0.5, burst: 1 }, 0);
    slow.rateLimited(1_000, 1_000, 100);
    assert.equal(slow.currentRate, 0.5, 'a short Retry-After does not raise the configured rate');
    const silent = new RateLimiter({ perSecond: 20, burst: 1 }, 0);
    for (let i = 1; i <= 3; i += 1) silent.rateLimited(i * 1_000, i * 1_000);
    assert.equal(silent.currentRate, 1 / 2 ** 3, 'without Retry-After, halved each time');
    silent.rateLimited(4_000, 4_000, 1_000);
    assert.equal(silent.currentRate, 1 / 2 ** 3, 'a later Retry-After never raises the rate');
  });

  it('starts over from a new configured rate on reload', () => {
    const limiter = new RateLimiter({ perSecond: 4, burst: 1 }, 0);
    limiter.rateLimited(0, 0);
    limiter.reconfigure({ perSecond: 10, burst: 1 }, 1_000);
    assert.equal(limiter.currentRate, 10);
  });
});

describe('shownRate', () => {
  it('rounds a rate to 4 significant digits, so no float noise is shown', () => {
    assert.equal(shownRate(4.665624999999996), 4.666);
    assert.equal(shownRate(1.3000000000000003), 1.3);
    assert.equal(shownRate(1 / 60), 0.01667);
    assert.equal(shownRate(5), 5);
    assert.equal(shownRate(undefined), undefined);
  });
});
