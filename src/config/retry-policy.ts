import type { RetryPolicy } from '../domain/target.js';
import type { RetryConfig } from './schema.js';
import type { RetryOverride } from './targets.js';

/** The global `retry` block (durations already in ms) as the engine's policy. */
export function globalRetryPolicy(retry: RetryConfig): RetryPolicy {
  return {
    maxRetries: retry.max_retries,
    baseMs: retry.base,
    factor: retry.factor,
    maxDelayMs: retry.max_delay,
    jitterMs: retry.jitter,
    maxRetryAfterMs: retry.max_retry_after,
    maxJobAgeMs: retry.max_job_age,
  };
}

/** A target's `retry` keys override the defaults one by one. */
export function applyRetryOverride(override: RetryOverride, defaults: RetryPolicy): RetryPolicy {
  return {
    maxRetries: override.max_retries ?? defaults.maxRetries,
    baseMs: override.base ?? defaults.baseMs,
    factor: override.factor ?? defaults.factor,
    maxDelayMs: override.max_delay ?? defaults.maxDelayMs,
    jitterMs: override.jitter ?? defaults.jitterMs,
    maxRetryAfterMs: override.max_retry_after ?? defaults.maxRetryAfterMs,
    maxJobAgeMs: override.max_job_age ?? defaults.maxJobAgeMs,
  };
}

/** A target's retry policy: its `retry` override where set, the global `retry` block elsewhere. */
export function resolveRetryPolicy(
  globalRetryMs: RetryConfig,
  override: RetryOverride = {},
): RetryPolicy {
  return applyRetryOverride(override, globalRetryPolicy(globalRetryMs));
}
