import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { interpolateString } from './interpolate.js';

describe('interpolateString', () => {
  const env = { HOST: 'db.local', EMPTY: '', PORT: '5432' };
  const cases: [string, string][] = [
    ['no references', 'no references'],
    ['postgres://${HOST}:${PORT}/ap', 'postgres://db.local:5432/ap'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${HOST:-fallback}', 'db.local'],
    ['${MISSING:-}', ''],
    ['${EMPTY}', ''],
    ['$${HOST}', '${HOST}'],
    ['cost $5 and $HOST', 'cost $5 and $HOST'],
    ['${MISSING:-a:-b}', 'a:-b'],
  ];
  for (const [text, expected] of cases) {
    it(`turns "${text}" into "${expected}"`, () => {
      assert.deepEqual(interpolateString(text, env), { ok: true, value: expected });
    });
  }

  it('names every missing variable', () => {
    assert.deepEqual(interpolateString('${A}/${B}', {}), {
      ok: false,
      error: 'environment variable A is not set; environment variable B is not set',
    });
  });

  it('refuses a malformed or unterminated reference', () => {
    const malformed = interpolateString('${1BAD}', {});
    assert.equal(malformed.ok, false);
    assert.match(malformed.ok ? '' : malformed.error, /invalid reference "\$\{1BAD\}"/);
    const unterminated = interpolateString('x${HOST', env);
    assert.equal(unterminated.ok, false);
    assert.match(unterminated.ok ? '' : unterminated.error, /unterminated/);
  });
});
