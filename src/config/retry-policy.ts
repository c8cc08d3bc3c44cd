import type { RetryPolicy } from '../domain/target.js';
import type { RetryConfig } from './schema.js';
import type { RetryOverride } from './targets.js';

/** A target's retry policy: its `retry` override where set, the global `retry` block elsewhere. */
export function resolveRetryPolicy(
  globalRetryMs: RetryConfig,
  override: RetryOverride = {},
): RetryPolicy {
  return {
    maxRetries: override.max_retries ?? globalRetryMs.max_retries,
    baseMs: override.base ?? globalRetryMs.base,
    factor: override.factor ?? globalRetryMs.factor,
    maxDelayMs: override.max_delay ?? globalRetryMs.max_delay,
    jitterMs: override.jitter ?? globalRetryMs.jitter,
    maxRetryAfterMs: override.max_retry_after ?? globalRetryMs.max_retry_after,
    maxJobAgeMs: override.max_job_age ?? globalRetryMs.max_job_age,
  };
}
