import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { backoffDelayMs, DEFAULT_RETRY_POLICY, nextAttemptDelayMs } from './backoff.js';

const noJitter = (): number => 0;

describe('backoffDelayMs', () => {
  it('gives 2s, 4s, 8s, 16s, 30s, 30s with the defaults and no jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(DEFAULT_RETRY_POLICY, n, noJitter));
    assert.deepEqual(delays, [2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('adds jitter in [0, jitter) from the injected random', () => {
    assert.equal(
      backoffDelayMs(DEFAULT_RETRY_POLICY, 1, () => 0.5),
      2_500,
    );
    assert.equal(
      backoffDelayMs(DEFAULT_RETRY_POLICY, 2, () => 0.999),
      4_999,
    );
  });

  it('honours a per-target policy', () => {
    const paging = { ...DEFAULT_RETRY_POLICY, baseMs: 10_000, factor: 3, maxDelayMs: 60_000 };
    const delays = [1, 2, 3].map((n) => backoffDelayMs(paging, n, noJitter));
    assert.deepEqual(delays, [10_000, 30_000, 60_000]);
  });
});

describe('nextAttemptDelayMs', () => {
  it('waits for a Retry-After longer than the backoff', () => {
    assert.equal(nextAttemptDelayMs(DEFAULT_RETRY_POLICY, 1, noJitter, 20_000), 20_000);
  });

  it('keeps the backoff when Retry-After is shorter', () => {
    assert.equal(nextAttemptDelayMs(DEFAULT_RETRY_POLICY, 3, noJitter, 1_000), 8_000);
  });

  it('caps Retry-After at max_retry_after', () => {
    assert.equal(nextAttemptDelayMs(DEFAULT_RETRY_POLICY, 1, noJitter, 3_600_000), 300_000);
  });
});
