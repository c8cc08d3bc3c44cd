import type { Priority } from '../domain/job.js';

/** The engine's knobs, durations in milliseconds (config/ maps the YAML keys onto these). */
export interface EngineConfig {
  /** queue.workers: attempts in flight at most, all targets together. */
  workers: number;
  /** queue.capacity: jobs counted against each lane (queued, processing, retrying, failed). */
  capacity: Record<Priority, number>;
  /** queue.max_wait: a job due longer than this is dispatched ahead of newer higher lanes. */
  maxWaitMs: { medium: number; low: number };
  /** queue.per_target_concurrency */
  perTargetConcurrency: number;
  /** queue.per_target_share: fraction of a lane one target may fill; beyond it → `overflow`. */
  perTargetShare: number;
  /** circuit_breaker.* */
  breaker: { failureThreshold: number; successThreshold: number; openTimeoutMs: number };
  /** Dead letters per sink write at most. */
  deadLetterBatchSize: number;
  /** Backoff between failed sink writes: base doubling up to maxDelay. */
  deadLetterRetry: { baseMs: number; maxDelayMs: number };
  /** Retry-After given to callers refused with queue_full or stopping. */
  admissionRetryAfterMs: number;
  /** At stop, how long the sink may take to store what is left before the fallback gets it. */
  stopFlushMs: number;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  workers: 10,
  capacity: { high: 500, medium: 1000, low: 500 },
  maxWaitMs: { medium: 10_000, low: 60_000 },
  perTargetConcurrency: 4,
  perTargetShare: 0.5,
  breaker: { failureThreshold: 5, successThreshold: 2, openTimeoutMs: 30_000 },
  deadLetterBatchSize: 500,
  deadLetterRetry: { baseMs: 1_000, maxDelayMs: 30_000 },
  admissionRetryAfterMs: 5_000,
  stopFlushMs: 5_000,
};
