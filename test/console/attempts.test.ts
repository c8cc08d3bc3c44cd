import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { attemptText } from '../../ui/src/attempts.js';

describe("the console's attempt lines", () => {
  it('say the status, reason, duration and what the target answered, without repeating the status', () => {
    assert.equal(
      attemptText({
        at: '2026-11-29T12:00:00.000Z',
        duration_ms: 12,
        http_status: 503,
        reason: 'server_error',
        message: 'HTTP 503: down',
      }),
      'HTTP 503 · server error · 12 ms · down',
    );
    assert.equal(
      attemptText({
        at: '2026-11-29T12:00:00.000Z',
        duration_ms: 4,
        http_status: 502,
        reason: 'server_error',
        message: 'HTTP 502',
      }),
      'HTTP 502 · server error · 4 ms',
    );
  });

  it('keep the message of a failed 2xx and of a network error, and say nothing more of a success', () => {
    assert.equal(
      attemptText({
        at: '2026-11-29T12:00:00.000Z',
        duration_ms: 30,
        http_status: 200,
        reason: 'client_error',
        message: 'HTTP 200 without "ok": invalid_payload',
      }),
      'HTTP 200 · client error · 30 ms · HTTP 200 without "ok": invalid_payload',
    );
    assert.equal(
      attemptText({
        at: '2026-11-29T12:00:00.000Z',
        duration_ms: 10_000,
        reason: 'timeout',
        message: 'no answer within 10000 ms',
      }),
      'timeout · 10000 ms · no answer within 10000 ms',
    );
    assert.equal(
      attemptText({ at: '2026-11-29T12:00:00.000Z', duration_ms: 7, http_status: 200 }),
      'HTTP 200 · 7 ms',
    );
  });
});
