import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseRetryAfterMs } from './retry-after.js';

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
