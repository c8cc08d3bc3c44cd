import type { JobFilter, JobSnapshot } from '../../domain/job.js';
import { PRIORITIES, snapshotOf } from '../../domain/job.js';
import { createUuidSource } from '../../domain/uuid-source.js';
import type { PublishOutcome } from '../../domain/publisher.js';
import type { ActiveJob } from './active-job.js';
import { newActiveJob } from './active-job.js';
import type { HeldCounts, TargetHealth } from '../admission.js';
import { planAdmission } from '../admission.js';
import { overflowError, shutdownError } from '../job-errors.js';
import type { PreparedJob } from '../submission.js';
import { countSubmissions, prepareJobs, refusalOf } from '../submission.js';
import { AttemptRunner } from '../attempt.js';
import { Breakers } from '../breakers.js';
import { CircuitSweep } from './circuit-sweep.js';
import { sleepUnlessAborted, waitUntil } from '../clock-wait.js';
import type { EngineDeps } from './engine-deps.js';
import { JobReport } from '../job-report.js';
import { setQueueGauges } from '../queue-gauges.js';
import { queueStatusOf } from './queue-status.js';
import { JobLifecycle } from './job-lifecycle.js';
import { LaneCounts } from './lane-counts.js';
import { decideAfterFailure, jobErrorOf, verdictOf } from '../outcome-decision.js';
import type {
  BreakerState,
  JobFinishedListener,
  JobRequest,
  PublishingEngine,
  QueueStats,
  QueueStatus,
  SubmitResult,
} from '../publishing-engine.js';
import type { TargetSlot } from './active-job.js';
import { createSlot } from './active-job.js';
import { Scheduler } from './scheduler.js';

/**
 * Memory-mode publishing engine. Starts dispatching on creation. Event-driven: submissions,
 * finished attempts and one clock timer (the earliest retry or breaker probe) call `pump`,
 * which starts attempts while workers are free; idle workers cost nothing, nothing polls.
 */
export function createPublishingEngine(deps: EngineDeps): PublishingEngine {
  return new Engine(deps);
}

class Engine implements PublishingEngine {
  private readonly slots = new Map<string, TargetSlot>();
  private readonly scheduler: Scheduler;
  private readonly active = new Map<string, ActiveJob>();
  private readonly lanes = new LaneCounts();
  private readonly report: JobReport;
  private readonly breakers: Breakers;
  private readonly life: JobLifecycle;
  private readonly sweep: CircuitSweep;
  private readonly attempts: AttemptRunner;
  private readonly newId: () => string;
  private seq = 0;
  private busy = 0;
  private pumpQueued = false;
  private wake: { at: number; controller: AbortController } | undefined;
  private stopping = false;
  private dispatching = true;
  private stopped: Promise<void> | undefined;
  private quietCheck: (() => void) | undefined;
  private idleCheck: (() => void) | undefined;

  constructor(private readonly deps: EngineDeps) {
    const { config, metrics } = deps;
    this.newId = deps.newId ?? createUuidSource();
    this.attempts = new AttemptRunner(deps.clock, deps.logger, deps.config.workers);
    this.report = new JobReport(metrics, deps.logger);
    this.breakers = new Breakers(config.breaker, metrics, deps.logger);
    for (const target of deps.targets.values()) {
      const slot = createSlot(
        target,
        this.breakers.of(target.name),
        this.report.meters(target.name),
      );
      this.slots.set(target.name, slot);
    }
    this.scheduler = new Scheduler(
      [...this.slots.values()],
      config.perTargetConcurrency,
      config.maxWaitMs,
    );
    this.life = new JobLifecycle(deps, this.scheduler, this.lanes, this.report, this.active);
    this.sweep = new CircuitSweep(this.scheduler, this.life, () => this.schedulePump());
    this.breakers.onTransition((target, to) => {
      const slot = this.slots.get(target);
      if (slot !== undefined) this.sweep.changed(slot, to);
    });
    metrics.workers.set(config.workers);
    for (const lane of PRIORITIES)
      metrics.queueCapacity.set({ priority: lane }, config.capacity[lane]);
    metrics.onCollect(() => this.collectGauges());
  }

  submit(requests: readonly JobRequest[]): Promise<SubmitResult> {
    return Promise.resolve(this.admitBatch(requests));
  }

  /** Memory mode admits synchronously; the contract is async for durable mode. */
  private admitBatch(requests: readonly JobRequest[]): SubmitResult {
    const { config, metrics } = this.deps;
    if (this.stopping)
      return { ok: false, code: 'stopping', retryAfterMs: config.admissionRetryAfterMs };
    const prepared = prepareJobs(
      requests,
      (target) => this.slots.get(target)?.target.enabled === true,
    );
    if (!Array.isArray(prepared)) return prepared;
    const plan = planAdmission(prepared, this.held, config, this.health());
    if (!plan.ok) {
      countSubmissions(metrics, prepared, 'rejected');
      return refusalOf(plan, config.admissionRetryAfterMs);
    }
    const overflowed = new Set(plan.overflowed);
    const now = this.deps.clock.now();
    const jobIds = prepared.map((job) => this.admit(job, overflowed.has(job), now));
    countSubmissions(metrics, prepared, 'accepted');
    this.report.submitted(requests.length);
    this.schedulePump();
    return { ok: true, jobIds };
  }

  /** What admission reads of this engine: its held counts and its targets' breakers. */
  private readonly held: HeldCounts = {
    inLane: (priority) => this.lanes.held[priority],
    ofTarget: (priority, target) => this.slots.get(target)?.held[priority] ?? 0,
  };

  private health(): TargetHealth {
    let enabledCount = 0;
    for (const slot of this.slots.values()) if (slot.target.enabled) enabledCount += 1;
    return {
      isFailing: (target) => this.breakers.state(target, this.deps.clock.now()) !== 'closed',
      enabledCount,
    };
  }

  private admit(prepared: PreparedJob, overflows: boolean, now: number): string {
    const { request, priority: lane } = prepared;
    const slot = this.slots.get(request.target);
    if (slot === undefined) throw new Error(`target vanished: ${request.target}`);
    const job = newActiveJob(request, slot, lane, this.newId(), this.seq++, now);
    this.active.set(job.id, job);
    this.lanes.held[lane] += 1;
    slot.held[lane] += 1;
    this.lanes.move(lane, undefined, 'queued');
    if (overflows) {
      this.life.deadLetter(job, now, overflowError(slot.target.name, lane));
    } else {
      this.scheduler.add(job, now);
      this.deps.statusStore.track(job);
    }
    return job.id;
  }

  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => this.pump());
  }

  /** Starts attempts while workers are free, then arms the timer for the next due time. */
  private pump(): void {
    this.pumpQueued = false;
    if (!this.dispatching) return;
    const now = this.deps.clock.now();
    // Breakers step first so jobs past max_job_age are swept before a probe is chosen.
    for (const slot of this.slots.values()) slot.breaker.refresh(now);
    this.sweep.sweep(now);
    while (this.busy < this.deps.config.workers) {
      const job = this.scheduler.next(now);
      if (job === undefined) break;
      this.start(job, now);
    }
    this.sweep.sweep(now);
    this.armWake(now);
    this.quietCheck?.();
  }

  private armWake(now: number): void {
    const at = this.busy < this.deps.config.workers ? this.scheduler.nextWakeAt() : undefined;
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
        this.schedulePump();
      },
    );
  }

  private start(job: ActiveJob, now: number): void {
    const { slot } = job;
    const from = job.state;
    job.state = 'processing';
    job.attempts += 1;
    job.startedAt ??= now;
    job.lastAttemptAt = now;
    job.updatedAt = now;
    job.nextAttemptAt = undefined;
    this.lanes.move(job.priority, from, 'processing');
    slot.inFlight += 1;
    this.busy += 1;
    job.isProbe = slot.breaker.begin();
    this.report.started(job.priority, now - job.readyAt);
    this.deps.statusStore.track(job);
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
    this.report.attempted(slot.meters, outcome, now - startedAt, now);
    this.settle(job, outcome, now);
    this.schedulePump();
    if (this.busy === 0) this.idleCheck?.();
  };

  private settle(job: ActiveJob, outcome: PublishOutcome, now: number): void {
    const { slot } = job;
    if (outcome.ok) {
      slot.breaker.record('success', job.isProbe, now);
      this.scheduler.release(job, now);
      this.life.finish(job, 'succeeded', now);
      return;
    }
    const error = jobErrorOf(outcome);
    job.lastError = error;
    slot.breaker.record(verdictOf(outcome), job.isProbe, now);
    const decision = this.dispatching
      ? decideAfterFailure(outcome, job, slot.target.retry, now, this.deps.random)
      : { kind: 'dead_letter' as const };
    if (decision.kind === 'dead_letter') {
      this.life.deadLetter(job, now, error);
      return;
    }
    if (decision.spendsRetry) job.retries += 1;
    this.life.retryLater(job, now, decision.dueAt, outcome.type);
  }

  getJob(id: string): Promise<JobSnapshot | undefined> {
    const job = this.active.get(id);
    return Promise.resolve(job === undefined ? this.deps.statusStore.get(id) : snapshotOf(job));
  }

  listJobs(filter: JobFilter): Promise<JobSnapshot[]> {
    return Promise.resolve(this.deps.statusStore.list(filter));
  }

  status(): QueueStatus {
    const now = this.deps.clock.now();
    return queueStatusOf(this.lanes, this.deps.config, {
      oldestDueAgeMs: (lane) => this.scheduler.oldestDueAgeMs(lane, now),
      inFlight: this.busy,
      stopping: this.stopping,
    });
  }

  stats(): QueueStats {
    return this.report.stats(this.breakers);
  }

  breakerState(target: string): BreakerState {
    return this.breakers.state(target, this.deps.clock.now());
  }

  onJobFinished(listener: JobFinishedListener): void {
    this.report.onJobFinished(listener);
  }

  stop(timeoutMs: number): Promise<void> {
    this.stopped ??= this.shutdown(timeoutMs);
    return this.stopped;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    const { clock, config, logger } = this.deps;
    this.stopping = true;
    const deadline = clock.now() + timeoutMs;
    logger.info({ timeout_ms: timeoutMs, active: this.active.size }, 'stopping: draining due work');
    await this.untilQuietOr(deadline);
    this.dispatching = false;
    this.wake?.controller.abort();
    this.wake = undefined;
    // In-flight attempts past the deadline are cancelled (their jobs become `shutdown` letters);
    // this also releases the attempt-timeout timer.
    const idle =
      this.busy > 0 ? new Promise<void>((resolve) => (this.idleCheck = resolve)) : undefined;
    this.attempts.cancelAll();
    await idle;
    const now = clock.now();
    const left = [...this.active.values()].filter(
      (e) => e.state === 'queued' || e.state === 'retrying',
    );
    for (const job of left) {
      this.life.deadLetter(job, now, shutdownError());
    }
    await this.life.writer.stop(config.stopFlushMs);
    logger.info(
      { dead_lettered_at_stop: left.length, unstored: this.life.writer.pending },
      'engine stopped',
    );
  }

  /** Resolves once nothing more can start before `deadline`, or at the deadline. */
  private async untilQuietOr(deadline: number): Promise<void> {
    const quiet = (): boolean => {
      if (this.busy > 0 || this.scheduler.hasDispatchable(this.deps.clock.now())) return false;
      const wakeAt = this.scheduler.nextWakeAt();
      return wakeAt === undefined || wakeAt >= deadline;
    };
    await waitUntil(this.deps.clock, deadline, quiet, (check) => (this.quietCheck = check));
    this.quietCheck = undefined;
  }

  private collectGauges(): void {
    this.report.flush();
    setQueueGauges(this.deps.metrics, this.status());
  }
}
