import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createUuidSource } from './uuid-source.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('createUuidSource', () => {
  it('makes distinct version 4 UUIDs across several entropy refills', () => {
    const next = createUuidSource();
    const ids = Array.from({ length: 1000 }, () => next());
    for (const id of ids) assert.match(id, V4);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('varies every random hex digit (nothing fixed but the dashes, version and variant)', () => {
    const next = createUuidSource();
    const seen = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 1000; i += 1) [...next()].forEach((char, at) => seen[at]?.add(char));
    const fixed = seen.flatMap((chars, at) => (chars.size === 1 ? [at] : []));
    assert.deepEqual(fixed, [8, 13, 14, 18, 23]);
    assert.deepEqual([...(seen[19] ?? [])].sort(), ['8', '9', 'a', 'b']);
  });

  it('gives each source its own sequence', () => {
    const a = createUuidSource();
    const b = createUuidSource();
    assert.notEqual(a(), b());
  });
});
