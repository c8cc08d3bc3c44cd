import type { Clock, Logger, Random } from '../../domain/clock.js';
import { recordAttempt } from '../../domain/job.js';
import type { PublishOutcome } from '../../domain/publisher.js';
import { AttemptRunner, attemptRecordOf } from '../attempt.js';
import { sleepUnlessAborted } from '../clock-wait.js';
import type { EngineConfig } from '../engine-config.js';
import { shutdownError, targetRemovedError } from '../job-errors.js';
import type { JobReport } from '../job-report.js';
import {
  decideAfterFailure,
  jobErrorOf,
  recordOnBreaker,
  waitsPastRetries,
} from '../outcome-decision.js';
import type { ActiveJob, TargetSlot } from './active-job.js';
import type { CircuitSweep } from './circuit-sweep.js';
import type { JobLifecycle } from './job-lifecycle.js';
import type { Scheduler } from './scheduler.js';

export interface DispatcherDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  config: () => EngineConfig;
  slots: () => Iterable<TargetSlot>;
  scheduler: Scheduler;
  life: JobLifecycle;
  report: JobReport;
  sweep: CircuitSweep;
  /** `job` succeeded and `next` now heads its chain (the latest-state rule, chain-state.ts). */
  delivered: (job: ActiveJob, next: ActiveJob, now: number) => void;
}

/**
 * The memory engine's workers. Event-driven: submissions, finished attempts and one clock
 * timer (the earliest retry, breaker probe, rate token or job to sweep) call `pump`, which starts attempts
 * while workers are free; idle workers cost nothing, nothing polls. An attempt's outcome goes
 * through the shared decision (outcome-decision.ts): success, retry, dead letter or superseded.
 */
export class Dispatcher {
  busy = 0;
  /** False once stop's delivery window is over: nothing new starts, failures are final. */
  dispatching = true;
  /** Attempts ended after the delivery window that may have reached their target. */
  possiblyDeliveredAtStop = 0;
  /** Called after every pump and attempt (stop waits for quiet or idle through it). */
  onChange: (() => void) | undefined;
  private readonly attempts: AttemptRunner;
  private pumpQueued = false;
  private wake: { at: number; controller: AbortController } | undefined;

  constructor(private readonly deps: DispatcherDeps) {
    this.attempts = new AttemptRunner(deps.clock, deps.logger, deps.config().workers);
  }

  requestPump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => this.pump());
  }

  /** Nothing new starts from now on; the retry timer is disarmed. */
  stopDispatching(): void {
    this.dispatching = false;
    this.wake?.controller.abort();
    this.wake = undefined;
  }

  /** Ends every attempt still in flight as `shutdown` (stop, after its flush window). */
  cancelAll(): void {
    this.attempts.cancelAll();
  }

  /** Starts attempts while workers are free, then arms the timer for the next due time. */
  private pump(): void {
    this.pumpQueued = false;
    if (!this.dispatching) return;
    const { scheduler, sweep } = this.deps;
    const now = this.deps.clock.now();
    // Breakers step first so jobs past max_job_age are swept before a probe is chosen.
    for (const slot of this.deps.slots()) slot.breaker.refresh(now);
    sweep.sweep(now);
    const { workers } = this.deps.config();
    while (this.busy < workers) {
      const job = scheduler.next(now);
      if (job === undefined) break;
      this.start(job, now);
    }
    sweep.sweep(now);
    this.armWake(now);
    this.onChange?.();
  }

  /**
   * The next due time of what may start (while a worker is free) or of a job waiting behind a
   * failing breaker reaching its max_job_age (even while none is: the sweep needs no worker).
   */
  private armWake(now: number): void {
    const free = this.busy < this.deps.config().workers;
    const startAt = free ? this.deps.scheduler.nextWakeAt(now) : undefined;
    const expiresAt = this.deps.sweep.nextAt();
    const at =
      startAt === undefined || expiresAt === undefined
        ? (startAt ?? expiresAt)
        : Math.min(startAt, expiresAt);
    if (this.wake !== undefined && (at === undefined || at < this.wake.at)) {
      this.wake.controller.abort();
      this.wake = undefined;
    }
    if (at === undefined || this.wake !== undefined) return;
    const wake = { at, controller: new AbortController() };
    this.wake = wake;
    void sleepUnlessAborted(this.deps.clock, Math.max(0, at - now), wake.controller.signal).then(
      (slept) => {
        if (!slept) return;
        if (this.wake === wake) this.wake = undefined;
        this.requestPump();
      },
    );
  }

  private start(job: ActiveJob, now: number): void {
    const { slot } = job;
    this.deps.life.setState(job, 'processing', now);
    job.waitsPastRetries = waitsPastRetries(
      { priorAttempts: job.attempts, retries: job.retries, isRetryCounted: job.isRetryCounted },
      slot.target.retry,
    );
    job.attempts += 1;
    if (job.isRetryCounted) job.retries += 1;
    job.isRetryCounted = false;
    job.startedAt ??= now;
    job.lastAttemptAt = now;
    job.nextAttemptAt = undefined;
    slot.inFlight += 1;
    this.busy += 1;
    job.isProbe = slot.breaker.begin();
    slot.limiter.take(now);
    this.deps.report.started(job.priority, now - job.readyAt);
    this.deps.life.track(job);
    const delivery = {
      jobId: job.id,
      target: job.target,
      alert: job.alert,
      classification: job.classification,
      priority: job.priority,
      attempt: job.attempts,
    };
    this.attempts.run(
      slot.target.publisher,
      delivery,
      slot.target.timeoutMs,
      job,
      this.attemptDone,
    );
  }

  /** Bound once: the continuation of every attempt. */
  private readonly attemptDone = (
    job: ActiveJob,
    startedAt: number,
    outcome: PublishOutcome,
  ): void => {
    const { slot } = job;
    const now = this.deps.clock.now();
    slot.inFlight -= 1;
    this.busy -= 1;
    this.deps.report.attempted(slot.meters, outcome, now - startedAt, now);
    recordAttempt(job.history, attemptRecordOf(startedAt, now, outcome));
    this.settle(job, outcome, startedAt, now);
    this.requestPump();
    this.onChange?.();
  };

  private settle(job: ActiveJob, outcome: PublishOutcome, startedAt: number, now: number): void {
    const { slot } = job;
    const { scheduler, life } = this.deps;
    recordOnBreaker(slot.breaker, outcome, job, now);
    if (outcome.ok) {
      slot.limiter.succeeded(now);
      const next = job.chainNext;
      scheduler.release(job, now);
      life.finish(job, 'succeeded', now);
      if (next !== undefined) this.deps.delivered(job, next, now);
      return;
    }
    if (outcome.reason === 'rate_limited') {
      slot.limiter.rateLimited(now, startedAt, outcome.retryAfterMs);
    }
    const error = jobErrorOf(outcome);
    job.lastError = error;
    const newer =
      job.chainNext === undefined ? undefined : scheduler.newestOf(slot, job.alert.fingerprint);
    const decision = decideAfterFailure(outcome, job, slot.target.retry, now, this.deps.random, {
      newerWaiting: newer?.id,
      targetDown: slot.breaker.isDownSince(job.startedAt ?? startedAt),
    });
    // After stop's delivery window a cut or timed-out attempt may have reached the target
    // (docs/alert-state.md, "Stopping without duplicates"), whatever becomes of its job.
    const possiblyDelivered =
      !this.dispatching && (outcome.reason === 'shutdown' || outcome.reason === 'timeout');
    if (possiblyDelivered) this.possiblyDeliveredAtStop += 1;
    if (decision.kind === 'superseded') life.supersede(job, decision.by, now);
    else if (slot.removed) {
      life.deadLetter(job, now, targetRemovedError(slot.target.name), possiblyDelivered);
    } else if (!this.dispatching) {
      // No retry once the window is over: a job that would have been retried becomes a
      // `shutdown` letter, like the jobs still waiting, so that the next start replays it. A
      // final failure (and a cut attempt, already `shutdown`) keeps its own error.
      const letterError = decision.kind === 'retry' ? shutdownError() : error;
      life.deadLetter(job, now, letterError, possiblyDelivered);
    } else if (decision.kind === 'dead_letter') life.deadLetter(job, now, error);
    else {
      job.isRetryCounted = decision.spendsRetry;
      life.retryLater(job, now, decision.dueAt, decision.spendsRetry ? outcome.type : undefined);
    }
  }
}
