import type { Random } from '../domain/clock.js';
import type { Job, JobError, JobSnapshot } from '../domain/job.js';
import type { PublishOutcome } from '../domain/publisher.js';
import type { RetryPolicy } from '../domain/target.js';
import { nextAttemptDelayMs } from '../retry/backoff.js';
import type { AttemptVerdict, Breaker } from './breaker.js';

type Failure = Extract<PublishOutcome, { ok: false }>;

/** What the decision reads of a job; both engines (memory `Job`, durable row) provide it. */
export type RetryState = Pick<Job, 'attempts' | 'retries' | 'submittedAt'>;

/** What happens to a job after a failed attempt. */
export type FailureDecision =
  | { kind: 'dead_letter' }
  /** A newer job of the same (target, fingerprint) waits: this state is out of date. */
  | { kind: 'superseded'; by: string }
  /**
   * `spendsRetry` false for a 429 and for a wait for a down target: once made, the retry leaves
   * `retries` (the DLQ retry_count) as it is.
   */
  | { kind: 'retry'; dueAt: number; spendsRetry: boolean };

/** What the decision reads besides the job: its chain and its target's health. */
export interface FailureContext {
  /** A newer job of the same (target, fingerprint) that waits, if one does. */
  newerWaiting?: string;
  /**
   * The target is down as the instance sees it: no attempt to it succeeded since the job's
   * first attempt (`Breaker.isDownSince`).
   */
  targetDown: boolean;
}

/**
 * The retry stage of both engines (docs/how-it-works.md, Retries): permanent or stop → dead
 * letter; 429 → wait (Retry-After or backoff) without spending a retry, bounded by max_job_age;
 * transient/unknown → retry until max_retries is spent, whatever the job's age. A job whose
 * retries are spent while its target is down (`targetDown`) failed with the target, not on its
 * own (unless the last attempt timed out, which may have reached it): it waits as a 429 does,
 * without spending retries, bounded by max_job_age, so that the first page of an outage is
 * delivered on recovery like the pages after it. Before all of these, the latest-state rule
 * (docs/alert-state.md): when `newerWaiting` names a newer job of the same (target,
 * fingerprint), the failed job is superseded by it instead of retried or dead-lettered. `job.attempts` counts the attempt that just failed, `job.retries` the retries
 * made (that attempt included when it was one). Pure.
 */
export function decideAfterFailure(
  failure: Failure,
  job: RetryState,
  policy: RetryPolicy,
  now: number,
  random: Random,
  context: FailureContext,
): FailureDecision {
  const { newerWaiting, targetDown } = context;
  if (newerWaiting !== undefined) return { kind: 'superseded', by: newerWaiting };
  if (failure.type === 'permanent' || failure.reason === 'shutdown') return { kind: 'dead_letter' };
  // A timed-out attempt may have reached the target: waiting would send it again and again.
  const waitsForTarget = targetDown && failure.reason !== 'timeout';
  if (failure.reason === 'rate_limited' || (job.retries >= policy.maxRetries && waitsForTarget)) {
    // The backoff exponent grows with every try, or a target that rate-limits without
    // Retry-After (or stays down) would be asked again every `base` for up to max_job_age.
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

/** The job's last error as both engines record it; the message is already redacted. */
export function jobErrorOf(failure: Failure): JobError {
  const error: JobError = { type: failure.type, reason: failure.reason, message: failure.message };
  if (failure.status !== undefined) error.status = failure.status;
  return error;
}

/**
 * What an attempt says about its target's health (the breaker's input, both engines): only
 * transient/unknown failures count against it; a 4xx for one bad alert, a 429 or our own stop
 * say nothing. Nor does the failure of an attempt that waited for its target past the job's
 * retries (`waitsPastRetries`), even as the half-open probe (the next job then tries at once):
 * it says only that the target still fails this job, and jobs failing on their own would
 * otherwise open the breaker, and keep it open as its probes, holding the target's other jobs
 * for up to max_job_age.
 */
export function verdictOf(
  outcome: PublishOutcome,
  attempt: { waitsPastRetries: boolean },
): AttemptVerdict {
  if (outcome.ok) return 'success';
  if (outcome.type === 'permanent') return 'neutral';
  if (outcome.reason === 'rate_limited' || outcome.reason === 'shutdown') return 'neutral';
  if (attempt.waitsPastRetries) return 'neutral';
  return 'failure';
}

/**
 * Gives a finished attempt to its target's breaker (both engines, and target tests sent as the
 * probe): its verdict and, for a failure that counts, the failure itself, which `circuit_open`
 * letters quote (Breaker.lastFailure).
 */
export function recordOnBreaker(
  breaker: Breaker,
  outcome: PublishOutcome,
  attempt: { isProbe: boolean; waitsPastRetries: boolean },
  now: number,
): void {
  const verdict = verdictOf(outcome, attempt);
  const failure = verdict === 'failure' && !outcome.ok ? jobErrorOf(outcome) : undefined;
  breaker.record(verdict, attempt.isProbe, now, failure);
}

/**
 * Whether the attempt about to start waits for its target past the job's retries (both
 * engines, read before the attempt counts a retry): a later attempt that spends no retry, with
 * max_retries spent.
 */
export function waitsPastRetries(
  job: { priorAttempts: number; retries: number; isRetryCounted: boolean },
  policy: RetryPolicy,
): boolean {
  return job.priorAttempts > 0 && !job.isRetryCounted && job.retries >= policy.maxRetries;
}

/**
 * Whether a job waits for its down target past its retries (docs/how-it-works.md, Retries):
 * `retrying` towards an attempt that `waitsPastRetries`, after a failure the decision made wait
 * for the target. The other waits that spend no retry are a 429's and, in durable mode, an
 * attempt cut by a stop, which its last error names. Both engines, on what they hold of a job.
 */
export function waitsForTarget(
  job: Pick<JobSnapshot, 'state' | 'attempts' | 'retries' | 'lastError'> & {
    isRetryCounted: boolean;
  },
  policy: RetryPolicy,
): boolean {
  if (job.state !== 'retrying') return false;
  const reason = job.lastError?.reason;
  if (reason === undefined || reason === 'rate_limited' || reason === 'shutdown') return false;
  const { attempts, retries, isRetryCounted } = job;
  return waitsPastRetries({ priorAttempts: attempts, retries, isRetryCounted }, policy);
}
