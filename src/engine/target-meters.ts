import type { Counter, Histogram } from 'prom-client';

import type { ErrorType, FailureReason } from '../domain/failure.js';
import { ERROR_TYPES, FAILURE_REASONS } from '../domain/failure.js';
import type { FinalJobState, Priority } from '../domain/job.js';
import { FINAL_JOB_STATES } from '../domain/job.js';
import type { Metrics } from '../metrics/metrics.js';
import { BREAKER_STATES } from './publishing-engine.js';

/** The final states a job is counted in (jobs_finished_total). */
export type FinishedState = FinalJobState;

/**
 * A counter child bumped in a plain number and handed to prom-client by `flush` (the engine
 * flushes when metrics are collected): prom-client hashes the labels on every `inc`, which
 * cost more than the rest of a job's accounting. Used for the once-per-job counters.
 */
export class PendingCount {
  private pending = 0;

  constructor(private readonly child: Counter.Internal) {}

  inc(): void {
    this.pending += 1;
  }

  flush(): void {
    if (this.pending === 0) return;
    this.child.inc(this.pending);
    this.pending = 0;
  }

  /** Drops the counts not flushed yet. */
  discard(): void {
    this.pending = 0;
  }
}

/**
 * Labelled metric children resolved once per target (and per lane), so the per-attempt path
 * builds no label objects (a prom-client histogram child still hashes its labels on each
 * observe). Children for failure reasons and error types are made on first use (both
 * vocabularies are closed). Successes and finished jobs are counted as PendingCounts:
 * call `flush` before metrics are read. JobReport counts nothing in the meters of a retired
 * target (`isRetired`).
 */
export class TargetMeters {
  readonly duration: Histogram.Internal<'target'>;
  readonly successes: PendingCount;
  readonly finished: Record<FinishedState, PendingCount>;
  /** When an attempt last succeeded (clock ms), handed to the gauge by `flush`. */
  private lastSuccessAt: number | undefined;
  private lastSuccessFlushed: number | undefined;
  private retired = false;
  private readonly failures = new Map<FailureReason, Counter.Internal>();
  private readonly retries = new Map<ErrorType, Counter.Internal>();
  private readonly dlqWrites = new Map<ErrorType, Counter.Internal>();

  constructor(
    private readonly metrics: Metrics,
    readonly target: string,
  ) {
    this.duration = metrics.attemptDuration.labels({ target });
    this.successes = new PendingCount(
      metrics.attempts.labels({ target, outcome: 'success', reason: '' }),
    );
    this.finished = {
      succeeded: new PendingCount(metrics.jobsFinished.labels({ target, state: 'succeeded' })),
      dlq: new PendingCount(metrics.jobsFinished.labels({ target, state: 'dlq' })),
      superseded: new PendingCount(metrics.jobsFinished.labels({ target, state: 'superseded' })),
    };
  }

  /** A reload removed or disabled the target; `enlist` ends it. */
  get isRetired(): boolean {
    return this.retired;
  }

  /**
   * The target's series left /metrics (removeTargetSeries): the counts not flushed yet and the
   * last success are dropped, as flushing them would bring the series back.
   */
  retire(): void {
    this.retired = true;
    this.lastSuccessAt = undefined;
    this.lastSuccessFlushed = undefined;
    this.successes.discard();
    for (const state of FINAL_JOB_STATES) this.finished[state].discard();
  }

  /** The target is (back) in the config: JobReport counts in these meters again. */
  enlist(): void {
    this.retired = false;
  }

  /** A successful attempt ended at `now`. */
  succeeded(now: number): void {
    this.successes.inc();
    this.lastSuccessAt = now;
  }

  /** Hands the pending counts to prom-client. */
  flush(): void {
    if (this.lastSuccessAt !== this.lastSuccessFlushed && this.lastSuccessAt !== undefined) {
      this.metrics.lastSuccess.set({ target: this.target }, this.lastSuccessAt / 1000);
      this.lastSuccessFlushed = this.lastSuccessAt;
    }
    this.successes.flush();
    this.finished.succeeded.flush();
    this.finished.dlq.flush();
    this.finished.superseded.flush();
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

/**
 * Removes every series labelled with `target` from the per-target metrics (every label value
 * comes from a closed vocabulary, so each series is named here). A target a reload removed or
 * disabled must leave /metrics: its last_success and failed attempts would otherwise keep
 * AlertPublisherNoSuccessfulDelivery firing for a target that is gone (docs/metrics.md).
 */
export function removeTargetSeries(metrics: Metrics, target: string): void {
  metrics.attempts.remove({ target, outcome: 'success', reason: '' });
  for (const reason of FAILURE_REASONS) {
    metrics.attempts.remove({ target, outcome: 'failure', reason });
  }
  for (const error_type of ERROR_TYPES) {
    metrics.retries.remove({ target, error_type });
    metrics.dlqWrites.remove({ target, error_type });
  }
  for (const state of FINAL_JOB_STATES) metrics.jobsFinished.remove({ target, state });
  for (const to of BREAKER_STATES) metrics.circuitBreakerTransitions.remove({ target, to });
  metrics.attemptDuration.remove({ target });
  metrics.lastSuccess.remove({ target });
  metrics.targetRate.remove({ target });
  metrics.circuitBreakerState.remove({ target });
}
