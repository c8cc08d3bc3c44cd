import type { Config } from './config/schema.js';
import type { DurableOptions } from './engine/durable/durable-config.js';
import type { EngineConfig } from './engine/engine-config.js';

/** The engine's knobs from the configuration, durations in milliseconds. */
export function engineConfigOf(config: Config): EngineConfig {
  return {
    workers: config.queue.workers,
    capacity: { ...config.queue.capacity },
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

/** `queue.durable` in milliseconds; a lease of 0 is derived from the targets' timeouts. */
export function durableOptionsOf(config: Config): DurableOptions {
  const durable = config.queue.durable;
  const options: DurableOptions = {
    heartbeatMs: durable.heartbeat,
    pollMs: durable.poll_interval,
    prefetchPerWorker: durable.prefetch_per_worker,
    completionBatch: durable.completion_batch,
    retentionMs: durable.retention,
    purgeIntervalMs: durable.purge_interval,
    purgeBatch: durable.purge_batch,
  };
  if (durable.lease > 0) options.leaseMs = durable.lease;
  return options;
}
