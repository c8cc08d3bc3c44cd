import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Job } from '../../domain/job.js';
import type { PublishOutcome } from '../../domain/publisher.js';
import type { Target } from '../../domain/target.js';
import { deadLetterOf } from '../dead-letter-of.js';
import { decideAfterFailure } from '../outcome-decision.js';
import { DEFAULT_RETRY_POLICY } from '../../retry/backoff.js';
import { aClassification, anAlert } from '../../../test/support/builders.js';
import type { Claimed } from './claim-jobs.js';
import { completionAfter } from './next-step.js';

type Failure = Extract<PublishOutcome, { ok: false }>;

const NOW = Date.parse('2026-11-29T12:00:00Z');
const HOUR = 3_600_000;
/** base 2s, factor 2, max_delay 30s, jitter 1s, max_retry_after 5m, max_job_age 1h (docs/how-it-works.md, Retries). */
const POLICY = DEFAULT_RETRY_POLICY;
const random = (): number => 0.5;

const TARGET: Target = {
  name: 'audit',
  type: 'webhook',
  enabled: true,
  timeoutMs: 10_000,
  publisher: {
    publish: () => Promise.reject(new Error('not called')),
    close: () => Promise.resolve(),
  },
  retry: POLICY,
  endpoint: 'https://audit.example.com/hook',
  redactedConfig: { url: 'https://audit.example.com/hook' },
};

function failure(type: Failure['type'], reason: Failure['reason'], status?: number): Failure {
  const outcome: Failure = { ok: false, type, reason, message: `HTTP ${status ?? 'none'}` };
  if (status !== undefined) outcome.status = status;
  return outcome;
}

function withRetryAfter(outcome: Failure, retryAfterMs: number): Failure {
  return { ...outcome, retryAfterMs };
}

const SERVER_ERROR = failure('transient', 'server_error', 503);
const RATE_LIMITED = failure('transient', 'rate_limited', 429);

/** A job after `attempts` tries (the last one just failed), `retries` of them counted. */
interface Counters {
  attempts: number;
  retries: number;
  ageMs: number;
}

type Expected = { kind: 'dead' } | { kind: 'retry'; delayMs: number; spendsRetry: boolean };

const CASES: {
  name: string;
  outcome: Failure;
  job: Counters;
  /** The target is down as the instance sees it (default: up). */
  targetDown?: boolean;
  expected: Expected;
}[] = [
  {
    name: 'a first 5xx retries after base + jitter and spends a retry',
    outcome: SERVER_ERROR,
    job: { attempts: 1, retries: 0, ageMs: 0 },
    expected: { kind: 'retry', delayMs: 2_500, spendsRetry: true },
  },
  {
    name: 'the third 5xx waits base·factor² + jitter',
    outcome: SERVER_ERROR,
    job: { attempts: 3, retries: 2, ageMs: 6_000 },
    expected: { kind: 'retry', delayMs: 8_500, spendsRetry: true },
  },
  {
    name: 'a 5xx with max_retries spent is a dead letter',
    outcome: SERVER_ERROR,
    job: { attempts: 4, retries: 3, ageMs: 15_000 },
    expected: { kind: 'dead' },
  },
  {
    name: 'a 5xx with max_retries spent while the target is down waits, spending no retry',
    outcome: SERVER_ERROR,
    job: { attempts: 4, retries: 3, ageMs: 15_000 },
    targetDown: true,
    expected: { kind: 'retry', delayMs: 16_500, spendsRetry: false },
  },
  {
    name: 'a 5xx with retries left spends one while the target is down',
    outcome: SERVER_ERROR,
    job: { attempts: 1, retries: 0, ageMs: 0 },
    targetDown: true,
    expected: { kind: 'retry', delayMs: 2_500, spendsRetry: true },
  },
  {
    name: 'a wait for a down target that would end past max_job_age is a dead letter',
    outcome: SERVER_ERROR,
    job: { attempts: 6, retries: 3, ageMs: HOUR - 10_000 },
    targetDown: true,
    expected: { kind: 'dead' },
  },
  {
    name: 'a timeout with max_retries spent is a dead letter although the target is down',
    outcome: failure('transient', 'timeout'),
    job: { attempts: 4, retries: 3, ageMs: 15_000 },
    targetDown: true,
    expected: { kind: 'dead' },
  },
  {
    name: 'a permanent failure is a dead letter although the target is down',
    outcome: failure('permanent', 'client_error', 400),
    job: { attempts: 1, retries: 0, ageMs: 0 },
    targetDown: true,
    expected: { kind: 'dead' },
  },
  {
    name: 'an unknown failure retries like a transient one',
    outcome: failure('unknown', 'internal'),
    job: { attempts: 1, retries: 0, ageMs: 0 },
    expected: { kind: 'retry', delayMs: 2_500, spendsRetry: true },
  },
  {
    name: 'a permanent failure is a dead letter at once',
    outcome: failure('permanent', 'client_error', 400),
    job: { attempts: 1, retries: 0, ageMs: 0 },
    expected: { kind: 'dead' },
  },
  {
    name: 'a 503 Retry-After later than the backoff sets the wait',
    outcome: withRetryAfter(SERVER_ERROR, 20_000),
    job: { attempts: 1, retries: 0, ageMs: 0 },
    expected: { kind: 'retry', delayMs: 20_000, spendsRetry: true },
  },
  {
    name: 'a Retry-After beyond max_retry_after is capped',
    outcome: withRetryAfter(SERVER_ERROR, 3 * HOUR),
    job: { attempts: 1, retries: 0, ageMs: 0 },
    expected: { kind: 'retry', delayMs: 300_000, spendsRetry: true },
  },
  {
    name: 'a 429 spends no retry and backs off by attempts made',
    outcome: RATE_LIMITED,
    job: { attempts: 3, retries: 1, ageMs: 10_000 },
    expected: { kind: 'retry', delayMs: 8_500, spendsRetry: false },
  },
  {
    name: 'a 429 retries although max_retries is spent',
    outcome: withRetryAfter(RATE_LIMITED, 5_000),
    job: { attempts: 6, retries: 3, ageMs: 60_000 },
    expected: { kind: 'retry', delayMs: 30_500, spendsRetry: false },
  },
  {
    name: 'a 429 whose wait ends past max_job_age is a dead letter',
    outcome: withRetryAfter(RATE_LIMITED, 5_000),
    job: { attempts: 2, retries: 0, ageMs: HOUR - 4_000 },
    expected: { kind: 'dead' },
  },
  {
    name: 'a 429 whose wait ends exactly at max_job_age still retries',
    outcome: withRetryAfter(RATE_LIMITED, 5_000),
    job: { attempts: 1, retries: 0, ageMs: HOUR - 5_000 },
    expected: { kind: 'retry', delayMs: 5_000, spendsRetry: false },
  },
  {
    name: 'a 5xx retry due past max_job_age still retries (only 429 waits are bounded)',
    outcome: SERVER_ERROR,
    job: { attempts: 2, retries: 1, ageMs: HOUR - 1_000 },
    expected: { kind: 'retry', delayMs: 4_500, spendsRetry: true },
  },
];

function memoryJob(counters: Counters): Job {
  return {
    id: '0b6f4d3e-8a51-4a43-9c1a-2f0e8c9d7a10',
    alert: anAlert({ severity: 'critical' }),
    classification: aClassification(),
    target: TARGET.name,
    priority: 'high',
    state: 'processing',
    history: [],
    attempts: counters.attempts,
    retries: counters.retries,
    submittedAt: NOW - counters.ageMs,
    updatedAt: NOW,
    lastAttemptAt: NOW,
    replayOf: '7d0c2b9e-1f4a-4e8b-b5d6-3c2a1e0f9b87',
  };
}

/** The same job as the durable engine claims it. */
function claimedRow(job: Job): Claimed {
  return {
    id: job.id,
    target_name: job.target,
    fingerprint: job.alert.fingerprint,
    alertname: job.alert.labels['alertname'] ?? '',
    alert_status: job.alert.status,
    priority: job.priority,
    state: 'processing',
    attempts: job.attempts,
    retries: job.retries,
    submitted_at: new Date(job.submittedAt),
    updated_at: new Date(NOW),
    due_at: new Date(NOW),
    started_at: new Date(job.submittedAt),
    completed_at: null,
    error_type: null,
    error_reason: null,
    http_status: null,
    error_message: null,
    replay_of: job.replayOf ?? null,
    alert: job.alert,
    classification: job.classification ?? null,
    attempt_log: null,
    is_retry_counted: false,
    newer_id: null,
    previous_id: null,
    previous_starts_at: null,
    previous_status: null,
    previous_delivered_at: null,
    rank: 1,
    seq: 1,
  };
}

/** The target up: what the decision reads when the breaker says nothing against it. */
const UP = { targetDown: false };

describe('after a failed attempt both engines decide the same', () => {
  for (const { name, outcome, job: counters, targetDown = false, expected } of CASES) {
    it(name, () => {
      const job = memoryJob(counters);
      const memory = decideAfterFailure(outcome, job, POLICY, NOW, random, { targetDown });
      const durable = completionAfter(claimedRow(job), outcome, TARGET, NOW, random, {
        targetDown,
      });
      const error = { type: outcome.type, reason: outcome.reason, message: outcome.message };
      const jobError = outcome.status === undefined ? error : { ...error, status: outcome.status };
      if (expected.kind === 'dead') {
        assert.deepEqual(memory, { kind: 'dead_letter' });
        assert.deepEqual(durable, {
          kind: 'dead',
          id: job.id,
          error: jobError,
          letter: deadLetterOf({ ...job, seq: 1 }, TARGET, jobError, NOW),
        });
        return;
      }
      const dueAt = NOW + expected.delayMs;
      assert.deepEqual(memory, { kind: 'retry', dueAt, spendsRetry: expected.spendsRetry });
      assert.deepEqual(durable, {
        kind: 'retry',
        id: job.id,
        dueAtMs: dueAt,
        countsRetry: expected.spendsRetry,
        error: jobError,
      });
    });
  }

  it('a success completes the durable row', () => {
    const row = claimedRow(memoryJob({ attempts: 2, retries: 1, ageMs: 3_000 }));
    assert.deepEqual(completionAfter(row, { ok: true }, TARGET, NOW, random, UP), {
      kind: 'succeeded',
      id: row.id,
    });
  });
});

describe('the dead letter of a job', () => {
  it('is the same from a memory job and from its durable row, secrets already removed', () => {
    const job = memoryJob({ attempts: 4, retries: 3, ageMs: 15_000 });
    const error = { type: 'transient', reason: 'server_error', status: 503, message: 'HTTP 503' };
    const durable = completionAfter(claimedRow(job), SERVER_ERROR, TARGET, NOW, random, UP);
    assert.equal(durable.kind, 'dead');
    if (durable.kind !== 'dead') return;
    assert.deepEqual(durable.letter, {
      jobId: job.id,
      alert: job.alert,
      classification: job.classification,
      targetName: 'audit',
      targetType: 'webhook',
      targetConfig: { url: 'https://audit.example.com/hook' },
      priority: 'high',
      errorType: error.type,
      errorReason: error.reason,
      errorMessage: error.message,
      httpStatus: 503,
      retryCount: 3,
      lastRetryAt: NOW,
      failedAt: NOW,
      replayOf: job.replayOf,
      submittedAt: job.submittedAt,
      submitSeq: 1,
      attempts: [],
    });
  });
});
