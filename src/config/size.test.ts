import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatSize, parseSizeBytes, sizeBytes } from './size.js';

describe('parseSizeBytes', () => {
  const valid: [string, number][] = [
    ['0', 0],
    ['1024', 1024],
    ['1B', 1],
    ['512KiB', 524_288],
    ['1MiB', 1_048_576],
    ['1mib', 1_048_576],
    ['2GiB', 2_147_483_648],
    ['1kB', 1_000],
    ['10KB', 10_000],
    ['10MB', 10_000_000],
    ['1GB', 1_000_000_000],
    ['1.5MiB', 1_572_864],
    [' 1 MiB ', 1_048_576],
  ];
  for (const [text, bytes] of valid) {
    it(`reads "${text}" as ${bytes} bytes`, () => {
      assert.equal(parseSizeBytes(text), bytes);
    });
  }

  for (const text of ['', 'MiB', '1XB', '-1', '1 M iB', '0.5B', '1e3', '1MiB2']) {
    it(`refuses "${text}"`, () => {
      assert.equal(parseSizeBytes(text), undefined);
    });
  }
});

describe('sizeBytes schema', () => {
  it('accepts a number of bytes and a size string', () => {
    assert.equal(sizeBytes.parse(2048), 2048);
    assert.equal(sizeBytes.parse('2KiB'), 2048);
  });

  it('explains the expected form when the text is not a size', () => {
    const result = sizeBytes.safeParse('1 megabyte');
    assert.equal(result.success, false);
    assert.match(
      result.error?.issues[0]?.message ?? '',
      /invalid size "1 megabyte": expected a size such as 1MiB/,
    );
  });

  it('refuses a negative or fractional number of bytes', () => {
    assert.equal(sizeBytes.safeParse(-1).success, false);
    assert.equal(sizeBytes.safeParse(1.5).success, false);
  });
});

describe('formatSize', () => {
  it('prints the largest exact binary unit', () => {
    assert.equal(formatSize(1_048_576), '1MiB');
    assert.equal(formatSize(524_288), '512KiB');
    assert.equal(formatSize(1000), '1000B');
  });
});
