import type { Priority } from '../domain/job.js';

/**
 * The engine's knobs, durations in milliseconds. The app maps the YAML keys onto these
 * (`engineConfigOf`); their defaults live in the config schema only.
 */
export interface EngineConfig {
  /** queue.workers: attempts in flight at most, all targets together. */
  workers: number;
  /** queue.capacity: jobs counted against each lane (queued, processing, retrying, failed). */
  capacity: Record<Priority, number>;
  /** queue.max_wait: a job due strictly longer than this is dispatched ahead of newer higher lanes. */
  maxWaitMs: { medium: number; low: number };
  /** queue.per_target_concurrency */
  perTargetConcurrency: number;
  /** queue.per_target_share: fraction of a lane one target may fill; beyond it → `overflow`. */
  perTargetShare: number;
  /** circuit_breaker.* */
  breaker: { failureThreshold: number; successThreshold: number; openTimeoutMs: number };
  /** dlq.write_batch: dead letters per sink write at most (memory mode). */
  deadLetterBatchSize: number;
  /** dlq.write_retry: backoff between failed sink writes, base doubling up to maxDelay. */
  deadLetterRetry: { baseMs: number; maxDelayMs: number };
  /** queue.admission_retry_after: Retry-After given to callers refused with queue_full or stopping. */
  admissionRetryAfterMs: number;
  /** shutdown_flush_timeout: at stop, how long what is left may take to be stored. */
  stopFlushMs: number;
}
