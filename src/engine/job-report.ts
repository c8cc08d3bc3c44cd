import type { Logger } from '../domain/clock.js';
import type { ErrorType, FailureReason } from '../domain/failure.js';
import type { JobError, JobSnapshot, Priority } from '../domain/job.js';
import type { PublishOutcome } from '../domain/publisher.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Breakers } from './breakers.js';
import type { JobFinishedListener, QueueStats } from './publishing-engine.js';
import type { FinishedState } from './target-meters.js';
import { laneWaitMeters, removeTargetSeries, TargetMeters } from './target-meters.js';

/** What the one log line of a finished job says (both engines). */
export interface FinishedJob {
  id: string;
  target: string;
  priority: Priority;
  attempts: number;
  submittedAt: number;
  lastError?: JobError | undefined;
  supersededBy?: string | undefined;
}

const FINISHED_MESSAGE: Record<FinishedState, string> = {
  succeeded: 'job succeeded',
  dlq: 'job dead-lettered',
  superseded: 'job superseded',
};

/**
 * What the jobs of an engine came to, for both queue modes: the counters of stats(), the
 * per-job metrics (through per-target meters, resolved once), one log line per finished job
 * and the job-finished listeners (DLQ replay tracking). Engines call it as things happen; it
 * decides nothing.
 */
export class JobReport {
  private submittedCount = 0;
  private succeededCount = 0;
  private deadLetteredCount = 0;
  private supersededCount = 0;
  private retriedCount = 0;
  private attemptCount = 0;
  private failedAttemptCount = 0;
  private readonly deadByReason: Partial<Record<FailureReason, number>> = {};
  private readonly listeners: JobFinishedListener[] = [];
  /**
   * One per target name for the report's life, a retired target's included: an attempt still
   * in flight for it finds its meters retired, however its engine got them.
   */
  private readonly metersByTarget = new Map<string, TargetMeters>();
  private readonly laneWait: ReturnType<typeof laneWaitMeters>;

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.laneWait = laneWaitMeters(metrics);
  }

  /** The metric children of one target, made once; engines keep them beside the target. */
  meters(target: string): TargetMeters {
    let meters = this.metersByTarget.get(target);
    if (meters === undefined) {
      meters = new TargetMeters(this.metrics, target);
      this.metersByTarget.set(target, meters);
    }
    return meters;
  }

  /**
   * A reload removed or disabled `target`: its series leave /metrics (removeTargetSeries) and
   * what its attempts still in flight, or its waiting jobs' dead letters, do is not counted,
   * which would bring them back. Counted again once `enlist`ed.
   */
  retire(target: string): void {
    this.meters(target).retire();
    removeTargetSeries(this.metrics, target);
  }

  /** A target (back) in the config: its metrics count again. */
  enlist(target: string): void {
    this.metersByTarget.get(target)?.enlist();
  }

  onJobFinished(listener: JobFinishedListener): void {
    this.listeners.push(listener);
  }

  submitted(count: number): void {
    this.submittedCount += count;
  }

  /** A job started an attempt after waiting `waitedMs` since it became due. */
  started(priority: Priority, waitedMs: number): void {
    this.laneWait[priority].observe(waitedMs / 1000);
  }

  attempted(meters: TargetMeters, outcome: PublishOutcome, durationMs: number, now: number): void {
    this.attemptCount += 1;
    const counts = !meters.isRetired;
    if (counts) meters.duration.observe(durationMs / 1000);
    if (outcome.ok) {
      if (counts) meters.succeeded(now);
      return;
    }
    this.failedAttemptCount += 1;
    if (counts) meters.failure(outcome.reason).inc();
  }

  /** A failed attempt will be tried again; only retries that count against max_retries count. */
  retried(meters: TargetMeters, type: ErrorType): void {
    this.retriedCount += 1;
    if (!meters.isRetired) meters.retry(type).inc();
  }

  /** A dead letter was stored (its job finishes as `dlq` with it). */
  deadLetterStored(meters: TargetMeters, type: ErrorType): void {
    if (!meters.isRetired) meters.dlqWrite(type).inc();
  }

  /**
   * A job reached its final state: counted, logged once, and handed to the listeners as the
   * snapshot `snapshotOf` makes (made only when someone listens).
   */
  finished(
    meters: TargetMeters,
    job: FinishedJob,
    state: FinishedState,
    now: number,
    snapshotOf: () => JobSnapshot,
  ): void {
    if (!meters.isRetired) meters.finished[state].inc();
    const line: Record<string, unknown> = {
      job_id: job.id,
      target: job.target,
      priority: job.priority,
      attempt: job.attempts,
      reason: '',
      duration_ms: now - job.submittedAt,
    };
    switch (state) {
      case 'succeeded':
        // A job that succeeded after failures keeps lastError for the API, not for this line.
        this.succeededCount += 1;
        this.logger.info(line, FINISHED_MESSAGE[state]);
        break;
      case 'dlq': {
        const reason = job.lastError?.reason ?? 'internal';
        this.deadLetteredCount += 1;
        this.deadByReason[reason] = (this.deadByReason[reason] ?? 0) + 1;
        this.logger.warn({ ...line, reason }, FINISHED_MESSAGE[state]);
        break;
      }
      case 'superseded':
        this.supersededCount += 1;
        this.logger.info({ ...line, superseded_by: job.supersededBy }, FINISHED_MESSAGE[state]);
        break;
      default: {
        const exhaustive: never = state;
        return exhaustive;
      }
    }
    if (this.listeners.length === 0) return;
    const snapshot = snapshotOf();
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (error: unknown) {
        this.logger.error({ err: error, job_id: job.id }, 'job-finished listener threw');
      }
    }
  }

  /** Hands the per-job counts buffered in the meters to prom-client (call on collect). */
  flush(): void {
    for (const meters of this.metersByTarget.values()) meters.flush();
  }

  stats(breakers: Breakers): QueueStats {
    const finished = this.succeededCount + this.deadLetteredCount;
    return {
      submitted: this.submittedCount,
      succeeded: this.succeededCount,
      deadLettered: this.deadLetteredCount,
      superseded: this.supersededCount,
      retried: this.retriedCount,
      attempts: this.attemptCount,
      failedAttempts: this.failedAttemptCount,
      successRate: finished === 0 ? 1 : this.succeededCount / finished,
      deadLetteredByReason: { ...this.deadByReason },
      breakers: breakers.stats(),
    };
  }
}
