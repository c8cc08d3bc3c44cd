import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { attemptsFromJson, attemptToJson } from './attempt-json.js';
import type { AttemptRecord } from './job.js';

describe('attempt JSON', () => {
  const failed: AttemptRecord = {
    at: Date.UTC(2026, 11, 7, 3, 0, 0, 250),
    durationMs: 12,
    status: 503,
    reason: 'server_error',
    message: 'HTTP 503',
  };
  const succeeded: AttemptRecord = {
    at: Date.UTC(2026, 11, 7, 3, 0, 1),
    durationMs: 4,
    status: 200,
  };

  it('reads back what it stores, through JSON text as a jsonb column returns it', () => {
    const stored: unknown = JSON.parse(JSON.stringify([failed, succeeded].map(attemptToJson)));
    assert.deepEqual(attemptsFromJson(stored), [failed, succeeded]);
  });

  it('reads no attempts from null, a non-array or an empty array', () => {
    for (const value of [null, undefined, {}, 'x', 3, []])
      assert.deepEqual(attemptsFromJson(value), []);
  });

  it('skips entries that are not attempts and keeps the others', () => {
    const stored = [
      attemptToJson(failed),
      { at: 'yesterday', duration_ms: 1 },
      { at: '2026-12-07T03:00:00.000Z', duration_ms: 'slow' },
      { at: '2026-12-07T03:00:00.000Z', duration_ms: 1, reason: 'bored' },
      null,
      attemptToJson(succeeded),
    ];
    assert.deepEqual(attemptsFromJson(stored), [failed, succeeded]);
  });
});
