import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseDurationMs } from '../domain/duration-text.js';
import { durationMs, formatDuration } from './duration.js';

describe('parseDurationMs', () => {
  const valid: [string, number][] = [
    ['0', 0],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['720h', 2_592_000_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['1m1ms', 60_001],
    ['2h0m5s', 7_205_000],
  ];
  for (const [text, ms] of valid) {
    it(`reads "${text}" as ${ms} ms`, () => {
      assert.equal(parseDurationMs(text), ms);
    });
  }

  for (const text of [
    '',
    '5',
    '1.5s',
    '-1s',
    '30m1h',
    '1s1s',
    '1 s',
    '1sec',
    'ms',
    '99999999999999999999y',
  ]) {
    it(`refuses "${text}"`, () => {
      assert.equal(parseDurationMs(text), undefined);
    });
  }
});

describe('durationMs schema', () => {
  it('accepts a duration string (trimmed), and 0 alone as a number', () => {
    assert.equal(durationMs.parse(' 30s '), 30_000);
    assert.equal(durationMs.parse(0), 0);
  });

  it('refuses a bare number other than 0: its unit is unknown', () => {
    assert.equal(
      durationMs.safeParse(10).error?.issues[0]?.message,
      'a duration needs a unit, e.g. "10s" (a bare 10 would be 10 ms)',
    );
    for (const value of [250, 1.5, -1]) assert.equal(durationMs.safeParse(value).success, false);
  });

  it('says what a duration looks like for a wrong type or a bad string', () => {
    assert.match(
      durationMs.safeParse(true).error?.issues[0]?.message ?? '',
      /expected a duration such as 500ms/,
    );
    assert.match(
      durationMs.safeParse('soon').error?.issues[0]?.message ?? '',
      /invalid duration "soon"/,
    );
  });
});

describe('formatDuration', () => {
  it('prints hours, minutes, seconds and milliseconds', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(1_500), '1s500ms');
  });
});
