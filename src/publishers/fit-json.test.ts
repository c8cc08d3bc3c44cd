import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fitJson } from './fit-json.js';

describe('fitJson', () => {
  const big = { text: 'x'.repeat(100), note: '' };
  const cuts = [() => ({ text: 'x'.repeat(40), note: 'cut to 40' }), () => ({ note: 'all cut' })];

  it('sends a body that fits as it is, without running any cut', () => {
    const never = () => assert.fail('a cut ran for a body that fits');
    assert.equal(fitJson(big, [never], 1_000), JSON.stringify(big));
  });

  it('takes the first cut that fits', () => {
    assert.equal(fitJson(big, cuts, 80), JSON.stringify(cuts[0]?.()));
    assert.equal(fitJson(big, cuts, 20), '{"note":"all cut"}');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const wide = { text: 'é'.repeat(30) }; // 30 characters, 60 bytes
    assert.equal(fitJson(wide, [() => ({})], 50), '{}');
  });

  it('returns the last cut when none fits (callers bound it by construction)', () => {
    assert.equal(fitJson(big, cuts, 5), '{"note":"all cut"}');
  });
});
