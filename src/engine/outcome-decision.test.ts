import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { PublishOutcome } from '../domain/publisher.js';
import { DEFAULT_RETRY_POLICY } from '../retry/backoff.js';
import { Breaker } from './breaker.js';
import {
  recordOnBreaker,
  verdictOf,
  waitsForTarget,
  waitsPastRetries,
} from './outcome-decision.js';

const SERVER_ERROR: PublishOutcome = {
  ok: false,
  type: 'transient',
  reason: 'server_error',
  status: 503,
  message: 'HTTP 503',
};
const POLICY = { ...DEFAULT_RETRY_POLICY, maxRetries: 3 };

describe('what an attempt says about its target (verdictOf)', () => {
  it('counts a 5xx against the target, unless the attempt waited past the job retries', () => {
    assert.equal(verdictOf(SERVER_ERROR, { waitsPastRetries: false }), 'failure');
    assert.equal(verdictOf(SERVER_ERROR, { waitsPastRetries: true }), 'neutral');
    assert.equal(verdictOf({ ok: true, status: 200 }, { waitsPastRetries: true }), 'success');
  });
});

describe('a finished attempt given to its breaker (recordOnBreaker)', () => {
  const attempt = { isProbe: false, waitsPastRetries: false };
  const aBreaker = () =>
    new Breaker({ failureThreshold: 5, successThreshold: 2, openTimeoutMs: 30_000 }, () => {});

  it('keeps the last failure it counts, which a 429, a 4xx, a wait past retries or a success leave', () => {
    const breaker = aBreaker();
    const timeout: PublishOutcome = {
      ok: false,
      type: 'transient',
      reason: 'timeout',
      message: 'no answer in 10s',
    };
    recordOnBreaker(breaker, SERVER_ERROR, attempt, 0);
    recordOnBreaker(breaker, timeout, attempt, 1);
    assert.deepEqual(breaker.lastFailure, {
      type: 'transient',
      reason: 'timeout',
      message: 'no answer in 10s',
    });
    const rateLimited: PublishOutcome = { ...SERVER_ERROR, reason: 'rate_limited', status: 429 };
    const refused: PublishOutcome = { ...SERVER_ERROR, type: 'permanent', reason: 'client_error' };
    recordOnBreaker(breaker, rateLimited, attempt, 2);
    recordOnBreaker(breaker, refused, attempt, 3);
    recordOnBreaker(breaker, SERVER_ERROR, { isProbe: false, waitsPastRetries: true }, 4);
    recordOnBreaker(breaker, { ok: true, status: 200 }, attempt, 5);
    assert.equal(breaker.lastFailure?.reason, 'timeout');
    breaker.reset('reload: the target sends to another endpoint');
    assert.equal(breaker.lastFailure, undefined, 'a new endpoint has not failed yet');
  });
});

describe('an attempt that waits for its target past the job retries (waitsPastRetries)', () => {
  it('is a later attempt spending no retry once max_retries is spent', () => {
    const spent = { priorAttempts: 4, retries: 3, isRetryCounted: false };
    assert.equal(waitsPastRetries(spent, POLICY), true);
    assert.equal(waitsPastRetries({ ...spent, isRetryCounted: true }, POLICY), false, 'a retry');
    assert.equal(waitsPastRetries({ ...spent, retries: 2 }, POLICY), false, 'retries left');
  });

  it('is never the first attempt, even with max_retries 0', () => {
    const none = { ...POLICY, maxRetries: 0 };
    assert.equal(
      waitsPastRetries({ priorAttempts: 0, retries: 0, isRetryCounted: false }, none),
      false,
    );
    assert.equal(
      waitsPastRetries({ priorAttempts: 1, retries: 0, isRetryCounted: false }, none),
      true,
    );
  });
});

describe('a job that waits for its down target past its retries (waitsForTarget)', () => {
  const failedWith = (reason: 'server_error' | 'rate_limited' | 'shutdown') => ({
    state: 'retrying' as const,
    attempts: 4,
    retries: 3,
    isRetryCounted: false,
    lastError: { type: 'transient' as const, reason, message: 'm' },
  });

  it('is a retrying job due for a retry that spends none, max_retries spent', () => {
    assert.equal(waitsForTarget(failedWith('server_error'), POLICY), true);
    const job = failedWith('server_error');
    assert.equal(waitsForTarget({ ...job, retries: 2, isRetryCounted: true }, POLICY), false);
    assert.equal(waitsForTarget({ ...job, state: 'processing' }, POLICY), false, 'in flight');
  });

  it('is not a wait for a 429 nor after an attempt cut by a stop', () => {
    assert.equal(waitsForTarget(failedWith('rate_limited'), POLICY), false);
    assert.equal(waitsForTarget(failedWith('shutdown'), POLICY), false);
  });
});
