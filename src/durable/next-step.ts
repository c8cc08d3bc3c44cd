import type { Random } from '../domain/clock.js';
import type { DeadLetter } from '../domain/dead-letter.js';
import type { JobError } from '../domain/job.js';
import type { PublishOutcome } from '../domain/publisher.js';
import type { Target } from '../domain/target.js';
import { nextAttemptDelayMs } from '../retry/backoff.js';
import type { Claimed } from './claim-jobs.js';
import { priorityOf } from './job-row.js';
import type { Completion } from './finish-jobs.js';

/**
 * What follows an attempt (SPEC §4): success; permanent → dead letter; 429 → retry without
 * spending a retry (bounded by max_job_age); otherwise retry with backoff (or a later capped
 * Retry-After) until max_retries, then dead letter. A retry due past max_job_age is a dead letter.
 */
export function completionAfter(
  job: Claimed,
  outcome: PublishOutcome,
  target: Target,
  nowMs: number,
  random: Random,
): Completion {
  if (outcome.ok) return { kind: 'succeeded', id: job.id };
  const error: JobError = { type: outcome.type, reason: outcome.reason, message: outcome.message };
  if (outcome.status !== undefined) error.status = outcome.status;
  const dead = (): Completion => ({
    kind: 'dead',
    id: job.id,
    error,
    letter: deadLetterOf(job, target, error, nowMs),
  });
  if (outcome.type === 'permanent') return dead();
  const policy = target.retry;
  const countsRetry = outcome.reason !== 'rate_limited';
  const retry = job.retries + (countsRetry ? 1 : 0);
  if (retry > policy.maxRetries) return dead();
  const delayMs = countsRetry
    ? nextAttemptDelayMs(policy, retry, random, outcome.retryAfterMs)
    : nextAttemptDelayMs(policy, Math.max(1, job.attempts), random, outcome.retryAfterMs);
  const dueAtMs = nowMs + delayMs;
  if (dueAtMs > job.submitted_at.getTime() + policy.maxJobAgeMs) return dead();
  return { kind: 'retry', id: job.id, dueAtMs, countsRetry, error };
}

/** A job of an open target too old to wait for the probe (SPEC §5). */
export function circuitOpenLetter(job: Claimed, target: Target, nowMs: number): Completion {
  const error: JobError = {
    type: 'transient',
    reason: 'circuit_open',
    message: `circuit open for ${target.name} beyond max_job_age`,
  };
  return { kind: 'dead', id: job.id, error, letter: deadLetterOf(job, target, error, nowMs) };
}

/** What a dead letter needs of a job, claimed or just submitted. */
export type LetterSource = Pick<
  Claimed,
  'id' | 'alert' | 'classification' | 'priority' | 'retries' | 'replay_of'
>;

export function deadLetterOf(
  job: LetterSource,
  target: Target,
  error: JobError,
  nowMs: number,
): DeadLetter {
  const letter: DeadLetter = {
    jobId: job.id,
    alert: job.alert,
    targetName: target.name,
    targetType: target.type,
    targetConfig: target.redactedConfig,
    priority: priorityOf(job),
    errorType: error.type,
    errorReason: error.reason,
    errorMessage: error.message,
    retryCount: job.retries,
    lastRetryAt: nowMs,
    failedAt: nowMs,
  };
  if (job.classification !== null) letter.classification = job.classification;
  if (error.status !== undefined) letter.httpStatus = error.status;
  if (job.replay_of !== null) letter.replayOf = job.replay_of;
  return letter;
}
