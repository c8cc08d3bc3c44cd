import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ErrorType, FailureReason } from '../domain/failure.js';
import { classifyStatus, honoursRetryAfter } from './classify.js';

type Expected = 'success' | `${ErrorType}/${FailureReason}`;

/** The docs/how-it-works.md, Error classification table written out independently of the implementation. */
function expected(status: number): Expected {
  if (status >= 200 && status <= 299) return 'success';
  const exact: Record<number, Expected> = {
    401: 'permanent/auth_error',
    403: 'permanent/auth_error',
    408: 'transient/timeout',
    413: 'permanent/invalid_payload',
    422: 'permanent/invalid_payload',
    425: 'transient/server_error',
    429: 'transient/rate_limited',
    500: 'transient/server_error',
    502: 'transient/server_error',
    503: 'transient/server_error',
    504: 'transient/timeout',
  };
  const hit = exact[status];
  if (hit !== undefined) return hit;
  if (status < 200) return 'permanent/client_error';
  if (status < 400) return 'permanent/client_error';
  if (status < 500) return 'permanent/client_error';
  return 'unknown/server_error';
}

function actual(status: number): Expected {
  const c = classifyStatus(status);
  return c.ok ? 'success' : `${c.type}/${c.reason}`;
}

describe('classifyStatus', () => {
  for (let status = 100; status <= 599; status += 1) {
    it(`${status} → ${expected(status)}`, () => {
      assert.equal(actual(status), expected(status));
    });
  }

  it('treats redirects as permanent: they are not followed', () => {
    for (const status of [301, 302, 307, 308])
      assert.equal(actual(status), 'permanent/client_error');
  });

  it('classifies statuses outside 100-599 as unknown/internal', () => {
    for (const status of [0, 99, 600, 999, -1, 200.5])
      assert.equal(actual(status), 'unknown/internal');
  });

  it('honours Retry-After on 429 and 503 only', () => {
    assert.equal(honoursRetryAfter(429), true);
    assert.equal(honoursRetryAfter(503), true);
    assert.equal(honoursRetryAfter(500), false);
    assert.equal(honoursRetryAfter(200), false);
  });
});
