import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { purgeAgeMs } from '../../src/dlq/dlq-filter-input.js';
import { purgeQuery } from '../../src/http/schemas.js';
import { purgeAgeProblem } from '../../ui/src/purge-age.js';

/** Whether `DELETE …/dlq/purge?older_than=<text>` passes its query schema and its check. */
function apiAccepts(text: string): boolean {
  const { minLength, maxLength } = purgeQuery.properties.older_than;
  if (text.length < minLength || text.length > maxLength) return false;
  try {
    purgeAgeMs(text, 'query.older_than');
    return true;
  } catch {
    return false;
  }
}

describe("the console's purge age", () => {
  const samples = [
    '720h',
    '1h30m',
    '30d',
    '500ms',
    '1w2d',
    '100y',
    '1ms',
    '0s',
    '0',
    '0h0m',
    '00s',
    '',
    '5',
    '1h 30m',
    ' 1h',
    '30m1h',
    '1.5h',
    '-1h',
    '1H',
    '101y',
    '99999999999999999999y',
    `${'0'.repeat(30)}1h`,
    `${'0'.repeat(31)}1h`,
  ];

  it('accepts exactly what the API accepts', () => {
    for (const text of samples)
      assert.equal(purgeAgeProblem(text) === undefined, apiAccepts(text), JSON.stringify(text));
  });

  it('takes 1h30m, and refuses 0 in any spelling, saying why as the API does', () => {
    assert.equal(purgeAgeProblem('1h30m'), undefined);
    for (const zero of ['0', '0s', '0h0m', '00ms'])
      assert.equal(purgeAgeProblem(zero), 'must be more than 0', zero);
    assert.equal(purgeAgeProblem('1h 30m'), 'must be a duration such as 720h or 30d');
    assert.equal(purgeAgeProblem('101y'), 'must be at most 100y');
    assert.equal(purgeAgeProblem(`${'0'.repeat(31)}1h`), 'must be at most 32 characters');
  });
});
