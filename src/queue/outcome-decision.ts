import type { Random } from '../domain/clock.js';
import type { ErrorType, FailureReason } from '../domain/failure.js';
import type { Job } from '../domain/job.js';
import type { PublishOutcome } from '../domain/publisher.js';
import type { RetryPolicy } from '../domain/target.js';
import { nextAttemptDelayMs } from '../retry/backoff.js';
import type { AttemptVerdict } from './breaker.js';

type Failure = Extract<PublishOutcome, { ok: false }>;

/** What happens to a job after a failed attempt. */
export type FailureDecision =
  | { kind: 'dead_letter' }
  /** `spendsRetry` false for a 429: `retries` (the DLQ retry_count) stays unchanged. */
  | { kind: 'retry'; dueAt: number; spendsRetry: boolean };

/**
 * The retry stage (SPEC §4): permanent → dead letter; 429 → wait (Retry-After or backoff)
 * without spending a retry, bounded by max_job_age; transient/unknown → retry until
 * max_retries is spent. Pure.
 */
export function decideAfterFailure(
  failure: Failure,
  job: Job,
  policy: RetryPolicy,
  now: number,
  random: Random,
): FailureDecision {
  if (failure.type === 'permanent' || failure.reason === 'shutdown') return { kind: 'dead_letter' };
  if (failure.reason === 'rate_limited') {
    // The backoff exponent grows with every try (429s included), or a target that rate-limits
    // without Retry-After would be asked again every `base` for up to max_job_age.
    const delayMs = nextAttemptDelayMs(
      policy,
      Math.max(1, job.attempts),
      random,
      failure.retryAfterMs,
    );
    if (now + delayMs - job.submittedAt > policy.maxJobAgeMs) return { kind: 'dead_letter' };
    return { kind: 'retry', dueAt: now + delayMs, spendsRetry: false };
  }
  if (job.retries >= policy.maxRetries) return { kind: 'dead_letter' };
  const delayMs = nextAttemptDelayMs(policy, job.retries + 1, random, failure.retryAfterMs);
  return { kind: 'retry', dueAt: now + delayMs, spendsRetry: true };
}

/** Only transient/unknown failures count against a target's health; 4xx, 429 and stop do not. */
export function verdictOf(type: ErrorType, reason: FailureReason): AttemptVerdict {
  if (type === 'permanent' || reason === 'rate_limited' || reason === 'shutdown') return 'neutral';
  return 'failure';
}
