import type { Counter, Histogram } from 'prom-client';

import type { ErrorType, FailureReason } from '../domain/failure.js';
import type { Priority } from '../domain/job.js';
import type { Metrics } from '../metrics/metrics.js';

/**
 * Labelled metric children resolved once per target (and per lane), so the per-attempt path
 * does no label hashing. Children for failure reasons and error types are made on first use
 * (both vocabularies are closed).
 */
export class TargetMeters {
  readonly duration: Histogram.Internal<'target'>;
  readonly successes: Counter.Internal;
  readonly finished: Record<'succeeded' | 'dlq', Counter.Internal>;
  private readonly failures = new Map<FailureReason, Counter.Internal>();
  private readonly retries = new Map<ErrorType, Counter.Internal>();
  private readonly dlqWrites = new Map<ErrorType, Counter.Internal>();

  constructor(
    private readonly metrics: Metrics,
    private readonly target: string,
  ) {
    this.duration = metrics.attemptDuration.labels({ target });
    this.successes = metrics.attempts.labels({ target, outcome: 'success', reason: '' });
    this.finished = {
      succeeded: metrics.jobsFinished.labels({ target, state: 'succeeded' }),
      dlq: metrics.jobsFinished.labels({ target, state: 'dlq' }),
    };
  }

  failure(reason: FailureReason): Counter.Internal {
    let child = this.failures.get(reason);
    if (child === undefined) {
      child = this.metrics.attempts.labels({ target: this.target, outcome: 'failure', reason });
      this.failures.set(reason, child);
    }
    return child;
  }

  retry(type: ErrorType): Counter.Internal {
    let child = this.retries.get(type);
    if (child === undefined) {
      child = this.metrics.retries.labels({ target: this.target, error_type: type });
      this.retries.set(type, child);
    }
    return child;
  }

  dlqWrite(type: ErrorType): Counter.Internal {
    let child = this.dlqWrites.get(type);
    if (child === undefined) {
      child = this.metrics.dlqWrites.labels({ target: this.target, error_type: type });
      this.dlqWrites.set(type, child);
    }
    return child;
  }
}

/** queue_wait_seconds per lane. */
export function laneWaitMeters(metrics: Metrics): Record<Priority, Histogram.Internal<'priority'>> {
  return {
    high: metrics.queueWait.labels({ priority: 'high' }),
    medium: metrics.queueWait.labels({ priority: 'medium' }),
    low: metrics.queueWait.labels({ priority: 'low' }),
  };
}
