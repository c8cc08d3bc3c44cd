import type { Random } from '../domain/clock.js';
import type { RetryPolicy } from '../domain/target.js';

/**
 * Delay before retry number `retry` (1 for the first retry):
 * min(base·factor^(retry-1), maxDelay) + uniform jitter in [0, jitter), whole milliseconds.
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: Random): number {
  const exponent = Math.max(0, retry - 1);
  const raw = policy.baseMs * Math.pow(policy.factor, exponent);
  const capped = Math.min(raw, policy.maxDelayMs);
  return Math.floor(capped + random() * policy.jitterMs);
}

/** Retry-After as the earliest next attempt, capped by maxRetryAfterMs; never below zero. */
export function cappedRetryAfterMs(policy: RetryPolicy, retryAfterMs: number): number {
  return Math.max(0, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}

/** The wait before the next attempt: the backoff, or a later Retry-After (capped) when given. */
export function nextAttemptDelayMs(
  policy: RetryPolicy,
  retry: number,
  random: Random,
  retryAfterMs?: number,
): number {
  const backoff = backoffDelayMs(policy, retry, random);
  if (retryAfterMs === undefined) return backoff;
  return Math.max(backoff, cappedRetryAfterMs(policy, retryAfterMs));
}

/** The seed's defaults (docs/how-it-works.md, Retries); config/ owns the user-facing defaults, this mirrors them for tests. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  baseMs: 2_000,
  factor: 2,
  maxDelayMs: 30_000,
  jitterMs: 1_000,
  maxRetryAfterMs: 300_000,
  maxJobAgeMs: 3_600_000,
};
