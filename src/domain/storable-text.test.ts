import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { isStorableText, storableJson, storableText } from './storable-text.js';

/** Any UTF-16 string: NUL, lone surrogates and proper pairs included. */
const anyText = fc.string({ unit: 'binary', maxLength: 40 });

describe('storableText', () => {
  it('replaces NUL and lone surrogates with U+FFFD and keeps pairs', () => {
    assert.equal(storableText('a\u0000b'), 'a\ufffdb');
    assert.equal(storableText('x\ud800y'), 'x\ufffdy');
    assert.equal(storableText('\udc00x'), '\ufffdx');
    assert.equal(storableText('end\ud83d'), 'end\ufffd');
    assert.equal(storableText('𝄞 ok ⚠️'), '𝄞 ok ⚠️');
    assert.equal(storableText('\udc00\ud800'), '\ufffd\ufffd');
  });

  it('returns storable text of the same length that differs only where it had to', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const clean = storableText(text);
        assert.ok(isStorableText(clean));
        assert.equal(clean.length, text.length);
        // What PostgreSQL would have had to refuse is gone; everything else is untouched.
        assert.equal(Buffer.from(clean, 'utf8').toString('utf8'), clean);
        for (let i = 0; i < text.length; i += 1) {
          if (clean[i] !== text[i]) assert.equal(clean[i], '\ufffd');
        }
        if (isStorableText(text)) assert.equal(clean, text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('storableJson', () => {
  it('cleans every string and key of any JSON value, and returns a clean value itself', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), anyText, (value, text) => {
        const poisoned = { [text]: [value, text], nested: { value } };
        const clean = storableJson(poisoned);
        const json = JSON.stringify(clean);
        // JSON.stringify escapes only lone surrogates (and control characters such as NUL).
        assert.doesNotMatch(json, /\\u0000|\\ud[89a-f][0-9a-f]{2}/i);
        assert.equal(storableJson(clean), clean);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps __proto__ and constructor as keys of a copy', () => {
    const parsed: unknown = JSON.parse('{"__proto__": "x\\u0000", "constructor": {"a": 1}}');
    const clean = storableJson(parsed);
    assert.equal(JSON.stringify(clean), '{"__proto__":"x\ufffd","constructor":{"a":1}}');
    assert.equal(Object.getPrototypeOf(clean), Object.prototype);
  });
});
