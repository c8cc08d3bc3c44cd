import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { targetWaitText } from '../../ui/src/target-wait.js';

describe("the console's job page on a job waiting for its down target", () => {
  it('says so, with the time it becomes a dead letter', () => {
    const waiting = { waiting_for_target: true, dead_letter_after: '2026-12-07T13:00:00.000Z' };
    assert.equal(
      targetWaitText(waiting),
      'waiting for target, dead letter after 2026-12-07 13:00:00 UTC',
    );
  });

  it('says nothing of a job that does not wait for its target', () => {
    assert.equal(targetWaitText({ waiting_for_target: false, dead_letter_after: null }), '');
    assert.equal(targetWaitText({}), '');
  });
});
