import type { Logger } from '../domain/clock.js';
import type { FailureReason } from '../domain/failure.js';
import type { JobSnapshot } from '../domain/job.js';
import type { PublishOutcome } from '../domain/publisher.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Breaker } from '../queue/breaker.js';
import type { JobFinishedListener, QueueStats } from '../queue/publishing-engine.js';
import type { Finished } from './completion-queue.js';
import type { JobRow } from './job-row.js';
import { snapshotFromRow } from './job-row.js';

/**
 * What this instance's jobs came to, once their completion committed: the counters of
 * stats(), the metrics, and the job-finished listeners (DLQ replay tracking). Attempt
 * outcomes wait here from the attempt to its commit.
 */
export class JobReport {
  private readonly counters = {
    submitted: 0,
    succeeded: 0,
    deadLettered: 0,
    retried: 0,
    attempts: 0,
    failedAttempts: 0,
  };
  private readonly deadByReason: Partial<Record<FailureReason, number>> = {};
  private readonly listeners: JobFinishedListener[] = [];
  private readonly outcomes = new Map<string, PublishOutcome>();

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  onJobFinished(listener: JobFinishedListener): void {
    this.listeners.push(listener);
  }

  submitted(count: number): void {
    this.counters.submitted += count;
  }

  /** An attempt ended; counted when its completion commits. */
  attempted(jobId: string, outcome: PublishOutcome): void {
    this.outcomes.set(jobId, outcome);
  }

  /** Dead-lettered without an attempt (overflow at admission, circuit_open sweep). */
  deadLettered(target: string, reason: FailureReason, row?: JobRow): void {
    this.counters.deadLettered += 1;
    this.deadByReason[reason] = (this.deadByReason[reason] ?? 0) + 1;
    this.metrics.jobsFinished.inc({ target, state: 'dlq' });
    this.metrics.dlqWrites.inc({ target, error_type: 'transient' });
    if (row !== undefined) this.notify(() => snapshotFromRow(row));
  }

  finished({ held, completion, written }: Finished, nowMs: number): void {
    const outcome = this.outcomes.get(held.job.id);
    this.outcomes.delete(held.job.id);
    const target = held.target.name;
    if (outcome !== undefined) {
      this.counters.attempts += 1;
      if (!outcome.ok) this.counters.failedAttempts += 1;
      this.metrics.attempts.inc({
        target,
        outcome: outcome.ok ? 'success' : 'failure',
        reason: outcome.ok ? '' : outcome.reason,
      });
      if (outcome.ok) this.metrics.lastSuccess.set({ target }, nowMs / 1000);
    }
    if (!written) return;
    const row = { ...held.job, updated_at: new Date(nowMs), completed_at: new Date(nowMs) };
    switch (completion.kind) {
      case 'succeeded':
        this.counters.succeeded += 1;
        this.metrics.jobsFinished.inc({ target, state: 'succeeded' });
        this.notify(() => snapshotFromRow({ ...row, state: 'succeeded' }));
        return;
      case 'dead': {
        const { error } = completion;
        this.counters.deadLettered += 1;
        this.deadByReason[error.reason] = (this.deadByReason[error.reason] ?? 0) + 1;
        this.metrics.jobsFinished.inc({ target, state: 'dlq' });
        this.metrics.dlqWrites.inc({ target, error_type: error.type });
        this.notify(() =>
          snapshotFromRow({
            ...row,
            state: 'dlq',
            error_type: error.type,
            error_reason: error.reason,
            http_status: error.status ?? null,
            error_message: error.message,
          }),
        );
        return;
      }
      case 'retry':
        if (completion.countsRetry) {
          this.counters.retried += 1;
          this.metrics.retries.inc({ target, error_type: completion.error.type });
        }
        return;
      case 'release':
        return;
    }
  }

  stats(breakers: ReadonlyMap<string, Breaker>): QueueStats {
    const { counters } = this;
    const finished = counters.succeeded + counters.deadLettered;
    const breakerStates: QueueStats['breakers'] = {};
    for (const [name, breaker] of breakers) {
      breakerStates[name] = {
        state: breaker.state,
        consecutiveFailures: breaker.consecutiveFailures,
      };
      if (breaker.openedAt !== undefined) breakerStates[name].openedAt = breaker.openedAt;
    }
    return {
      ...counters,
      successRate: finished === 0 ? 1 : counters.succeeded / finished,
      deadLetteredByReason: { ...this.deadByReason },
      breakers: breakerStates,
    };
  }

  /** The snapshot is built only when someone listens. */
  private notify(snapshotOf: () => JobSnapshot): void {
    if (this.listeners.length === 0) return;
    const snapshot = snapshotOf();
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (error: unknown) {
        this.logger.error({ err: error, job_id: snapshot.id }, 'job-finished listener threw');
      }
    }
  }
}
