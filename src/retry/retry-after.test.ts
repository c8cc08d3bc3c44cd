import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseRateLimitResetMs, parseRetryAfterMs } from './retry-after.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');

describe('parseRetryAfterMs', () => {
  it('reads delay-seconds', () => {
    assert.equal(parseRetryAfterMs('120', NOW), 120_000);
    assert.equal(parseRetryAfterMs(' 0 ', NOW), 0);
  });

  it('reads an HTTP-date relative to the injected now', () => {
    assert.equal(parseRetryAfterMs('Sun, 29 Nov 2026 12:00:30 GMT', NOW), 30_000);
  });

  it('never returns a negative delay for a date in the past', () => {
    assert.equal(parseRetryAfterMs('Sun, 29 Nov 2026 11:00:00 GMT', NOW), 0);
  });

  it('takes the first value of a repeated header', () => {
    assert.equal(parseRetryAfterMs(['5', '10'], NOW), 5_000);
  });

  it('ignores absent, negative, fractional and garbage values', () => {
    for (const value of [
      undefined,
      '',
      '-5',
      '1.5',
      'soon',
      '12abc',
      'Sun, 99 Nov 2026 99:00:00 GMT',
    ]) {
      assert.equal(parseRetryAfterMs(value, NOW), undefined, String(value));
    }
  });
});

describe('parseRateLimitResetMs', () => {
  it("reads Rootly's UTC epoch seconds relative to the injected now", () => {
    assert.equal(parseRateLimitResetMs(String(NOW / 1000 + 20), NOW), 20_000);
  });

  it("reads the IETF draft's delta-seconds", () => {
    assert.equal(parseRateLimitResetMs('7', NOW), 7_000);
    assert.equal(parseRateLimitResetMs(' 0 ', NOW), 0);
  });

  it('never returns a negative delay for a reset time in the past', () => {
    assert.equal(parseRateLimitResetMs(String(NOW / 1000 - 30), NOW), 0);
  });

  it('takes the first value of a repeated header', () => {
    assert.equal(parseRateLimitResetMs(['5', '10'], NOW), 5_000);
  });

  it('ignores absent, negative, fractional, date and garbage values', () => {
    for (const value of [undefined, '', '-5', '1.5', 'soon', 'Sun, 29 Nov 2026 12:00:30 GMT']) {
      assert.equal(parseRateLimitResetMs(value, NOW), undefined, String(value));
    }
  });
});
