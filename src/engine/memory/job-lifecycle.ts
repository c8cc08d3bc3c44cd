import type { DeadLetter } from '../../domain/dead-letter.js';
import type { ErrorType } from '../../domain/failure.js';
import type { FinalJobState, JobError, JobState } from '../../domain/job.js';
import { snapshotOf } from '../../domain/job.js';
import { deadLetterOf } from '../dead-letter-of.js';
import type { JobReport } from '../job-report.js';
import type { ActiveJob } from './active-job.js';
import type { DeadLetterWriter } from './dead-letter-writer.js';
import { createDeadLetterWriter } from './dead-letter-writer.js';
import type { EngineDeps } from './engine-deps.js';
import type { LaneCounts } from './lane-counts.js';
import type { Scheduler } from './scheduler.js';

interface Pending {
  job: ActiveJob;
  letter: DeadLetter;
}

/**
 * A job's way from a failed attempt or admission to its end: retry scheduling, the `failed`
 * wait for its dead letter, and `succeeded`/`dlq`/`superseded` with their accounting, snapshot,
 * log line and listeners. Every state change goes through `setState`, which keeps the lane
 * counts.
 */
export class JobLifecycle {
  readonly writer: DeadLetterWriter<Pending>;
  /** Letters stored (or journalled) since start: the stop summary counts what it wrote. */
  lettersStored = 0;

  constructor(
    private readonly deps: EngineDeps,
    private readonly scheduler: Scheduler,
    private readonly lanes: LaneCounts,
    private readonly report: JobReport,
    private readonly active: Map<string, ActiveJob>,
  ) {
    this.writer = createDeadLetterWriter<Pending>({
      sink: deps.deadLetters,
      fallback: deps.fallback,
      clock: deps.clock,
      logger: deps.logger,
      batchSize: deps.config.deadLetterBatchSize,
      retry: deps.config.deadLetterRetry,
      onStored: (items) => this.onStored(items),
    });
  }

  /**
   * `countedAs`: the error type of a retry that spends one of max_retries, the only retries the
   * retries metric counts (JobReport.retried); undefined for a wait (a 429, a down target).
   */
  retryLater(job: ActiveJob, now: number, dueAt: number, countedAs: ErrorType | undefined): void {
    this.setState(job, 'retrying', now);
    job.nextAttemptAt = dueAt;
    this.scheduler.delay(job, dueAt);
    if (countedAs !== undefined) this.report.retried(job.slot.meters, countedAs);
    this.deps.statusStore.track(job);
    this.deps.logger.debug(
      {
        job_id: job.id,
        target: job.target,
        attempt: job.attempts,
        reason: job.lastError?.reason,
        next_attempt_at: new Date(dueAt).toISOString(),
      },
      'attempt failed; retry scheduled',
    );
  }

  /** The status store follows the live job (snapshotted when read). */
  track(job: ActiveJob): void {
    this.deps.statusStore.track(job);
  }

  setState(job: ActiveJob, state: JobState, now: number): void {
    this.lanes.move(job.priority, job.state, state);
    job.state = state;
    job.updatedAt = now;
  }

  /**
   * Final failure: the job leaves its chain now and waits, `failed`, for its dead letter.
   * `possiblyDelivered`: at a stop, its attempt was cut or timed out after the delivery window.
   */
  deadLetter(job: ActiveJob, now: number, error: JobError, possiblyDelivered = false): void {
    job.lastError = error;
    this.setState(job, 'failed', now);
    this.scheduler.release(job, now);
    const letter = deadLetterOf(job, job.slot.target, error, now);
    if (possiblyDelivered) letter.possiblyDelivered = true;
    this.deps.statusStore.track(job);
    this.writer.add({ job, letter });
  }

  /** A newer state of its alert replaced the job (`by`) before it was delivered. */
  supersede(job: ActiveJob, by: string, now: number): void {
    job.supersededBy = by;
    job.nextAttemptAt = undefined;
    this.scheduler.release(job, now);
    this.finish(job, 'superseded', now);
  }

  private onStored(items: readonly Pending[]): void {
    const now = this.deps.clock.now();
    for (const { job, letter } of items) {
      if (job.state !== 'failed') continue; // stored twice after a late write: once is enough
      this.lettersStored += 1;
      this.report.deadLetterStored(job.slot.meters, letter.errorType);
      this.finish(job, 'dlq', now);
    }
  }

  finish(job: ActiveJob, state: FinalJobState, now: number): void {
    const { slot } = job;
    this.setState(job, state, now);
    job.completedAt = now;
    this.active.delete(job.id);
    this.lanes.held[job.priority] -= 1;
    slot.held[job.priority] -= 1;
    const snapshot = snapshotOf(job);
    this.deps.statusStore.put(snapshot);
    this.report.finished(slot.meters, job, state, now, () => snapshot);
  }
}
