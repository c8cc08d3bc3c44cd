import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { findJsonSyntaxError } from './json-syntax.js';

describe('findJsonSyntaxError', () => {
  it('finds nothing wrong in valid JSON, as JSON.parse does', () => {
    const valid = [
      '{"alerts":[{"labels":{"a":"b"},"n":-1.5e+3}],"ok":true,"none":null}',
      ' [ ] ',
      '"\\u00e9\\n\\"x\\""',
      '0',
      '{}',
    ];
    for (const text of valid) {
      JSON.parse(text);
      assert.equal(findJsonSyntaxError(text), undefined, text);
    }
  });

  it('points at the first character that cannot continue the text, by line and column', () => {
    const cases: [string, number, number, string][] = [
      ['{"a":}', 1, 6, 'unexpected character "}"'],
      ['{"a":1,}', 1, 8, 'unexpected character "}"'],
      ['{"alerts": [', 1, 13, 'unexpected end of input'],
      ['{"a": tru}', 1, 10, 'unexpected character "}"'],
      ['\n\n  {"a" 1}', 3, 8, 'unexpected character "1"'],
      ['{"a":"\u0001"}', 1, 7, 'unexpected character "\\u0001"'],
      ['{"a":01}', 1, 7, 'unexpected character "1"'],
      ['{"a":"\\x"}', 1, 8, 'unexpected character "x"'],
      ['[1,2] x', 1, 7, 'unexpected character "x"'],
      ["{'a':1}", 1, 2, `unexpected character "'"`],
      ['', 1, 1, 'unexpected end of input'],
    ];
    for (const [text, line, column, problem] of cases) {
      assert.throws(() => JSON.parse(text), SyntaxError, text);
      const found = findJsonSyntaxError(text);
      assert.deepEqual(
        found && { line: found.line, column: found.column, problem: found.problem },
        { line, column, problem },
        text,
      );
    }
  });

  it('gives no position, and does not throw, for a text nested deeper than the stack', () => {
    const deep = `${'['.repeat(100_000)}}`;
    assert.throws(() => JSON.parse(deep), SyntaxError);
    assert.equal(findJsonSyntaxError(deep), undefined);
  });
});
