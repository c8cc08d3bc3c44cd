import type { Config } from './config/schema.js';
import { laneCapacityOf } from './config/schema.js';
import { formatPath } from './config/config-error.js';
import type { ConfigProblem } from './config/config-error.js';
import { leaseViolations } from './config/durable-lease.js';
import type { DurableOptions } from './engine/durable/durable-config.js';
import { defaultLeaseMs } from './engine/durable/durable-config.js';
import type { EngineConfig } from './engine/engine-config.js';

/** The engine's knobs from the configuration, durations in milliseconds. */
export function engineConfigOf(config: Config): EngineConfig {
  return {
    workers: config.queue.workers,
    capacity: laneCapacityOf(config.queue),
    maxWaitMs: { ...config.queue.max_wait },
    perTargetConcurrency: config.queue.per_target_concurrency,
    perTargetShare: config.queue.per_target_share,
    breaker: {
      failureThreshold: config.circuit_breaker.failure_threshold,
      successThreshold: config.circuit_breaker.success_threshold,
      openTimeoutMs: config.circuit_breaker.open_timeout,
    },
    deadLetterBatchSize: config.dlq.write_batch,
    deadLetterRetry: {
      baseMs: config.dlq.write_retry.base,
      maxDelayMs: config.dlq.write_retry.max_delay,
    },
    admissionRetryAfterMs: config.queue.admission_retry_after,
    stopFlushMs: config.shutdown_flush_timeout,
  };
}

/** `queue.durable.lease`, or when 0 the lease derived from the targets' longest timeout. */
export function durableLeaseMs(config: Config): number {
  const { lease, heartbeat } = config.queue.durable;
  if (lease > 0) return lease;
  return defaultLeaseMs(Math.max(0, ...config.targets.map((t) => t.timeout)), heartbeat);
}

/**
 * A reload's targets against the lease the durable engine started with (`started` is the
 * configuration at start): the lease is fixed for the process, as `queue.durable.*` needs a
 * restart, so a timeout it does not cover needs one too.
 */
export function reloadLeaseProblems(started: Config, next: Config): ConfigProblem[] {
  if (started.queue.mode !== 'durable') return [];
  const leaseIs =
    started.queue.durable.lease > 0
      ? 'the running queue.durable.lease; it changes at a restart'
      : 'derived at start from the longest timeout; a restart derives it anew';
  const { heartbeat } = started.queue.durable;
  return leaseViolations(next.targets, durableLeaseMs(started), heartbeat, leaseIs).map(
    (violation) => ({ path: formatPath(violation.path), message: violation.message }),
  );
}

/** `queue.durable` in milliseconds, the lease resolved (durableLeaseMs). */
export function durableOptionsOf(config: Config): DurableOptions {
  const durable = config.queue.durable;
  return {
    heartbeatMs: durable.heartbeat,
    pollMs: durable.poll_interval,
    prefetchPerWorker: durable.prefetch_per_worker,
    completionBatch: durable.completion_batch,
    retentionMs: durable.retention,
    purgeIntervalMs: durable.purge_interval,
    purgeBatch: durable.purge_batch,
    leaseMs: durableLeaseMs(config),
  };
}
