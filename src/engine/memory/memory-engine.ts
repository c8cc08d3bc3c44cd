import { randomUUID } from 'node:crypto';

import type { JobFilter, JobSnapshot } from '../../domain/job.js';
import type { PublishOutcome } from '../../domain/publisher.js';
import { PRIORITIES } from '../../domain/job.js';
import type { Target } from '../../domain/target.js';
import { defaultInstanceName } from '../instance-name.js';
import type { AlertChain } from '../alert-state-store.js';
import type { HeldCounts, OverflowCause, TargetHealth } from '../admission.js';
import { planAdmission } from '../admission.js';
import { Breakers } from '../breakers.js';
import { settlesWithin, waitUntil } from '../clock-wait.js';
import { isDrained } from '../delivery-window.js';
import type { EngineConfig } from '../engine-config.js';
import { overflowError, shutdownError, targetRemovedError } from '../job-errors.js';
import { JobReport } from '../job-report.js';
import type {
  BreakerState,
  JobFinishedListener,
  JobRequest,
  PublishingEngine,
  QueueStats,
  QueueStatus,
  ReconfigureSummary,
  SubmitResult,
  TargetJobs,
} from '../publishing-engine.js';
import { emptyReconfigureSummary } from '../publishing-engine.js';
import { setQueueGauges, setRateGauges } from '../queue-gauges.js';
import { shownRate } from '../rate-limiter.js';
import type { PreparedJob } from '../submission.js';
import { countSubmissions, prepareJobs, refusalOf } from '../submission.js';
import type { StateOfJob } from '../supersession.js';
import type { ActiveJob, TargetSlot } from './active-job.js';
import { createSlot, jobsOfSlot, newActiveJob } from './active-job.js';
import type { JobReads } from './job-reads.js';
import { jobsOfAlert, listJobs, readJob } from './job-reads.js';
import type { ChainState } from './chain-state.js';
import { applyAfterDelivery, applyLatestState } from './chain-state.js';
import { CircuitSweep } from './circuit-sweep.js';
import { Dispatcher } from './dispatcher.js';
import type { EngineDeps } from './engine-deps.js';
import { JobLifecycle } from './job-lifecycle.js';
import { LaneCounts } from './lane-counts.js';
import { NewestStates } from './newest-states.js';
import { queueStatusOf } from './queue-status.js';
import { Scheduler } from './scheduler.js';

/** How often memory mode writes the newest alert states behind (docs/alert-state.md). */
const STATE_FLUSH_MS = 1_000;

/** Memory-mode publishing engine. Starts dispatching on creation. */
export function createPublishingEngine(deps: EngineDeps): PublishingEngine {
  return new MemoryEngine(deps);
}

class MemoryEngine implements PublishingEngine {
  private readonly slots = new Map<string, TargetSlot>();
  private readonly scheduler: Scheduler;
  private readonly active = new Map<string, ActiveJob>();
  private readonly lanes = new LaneCounts();
  private readonly report: JobReport;
  private readonly breakers: Breakers;
  private readonly life: JobLifecycle;
  private readonly dispatcher: Dispatcher;
  private readonly sweep: CircuitSweep;
  private readonly newest: NewestStates;
  private readonly chains: ChainState;
  private readonly newId: () => string;
  private readonly instance: string;
  private readonly reads: JobReads;
  private config: EngineConfig;
  private seq = 0;
  private stopping = false;
  private stopped: Promise<void> | undefined;

  constructor(private readonly deps: EngineDeps) {
    const { metrics, clock } = deps;
    this.config = deps.config;
    this.newId = deps.newId ?? randomUUID;
    this.instance = deps.instanceName ?? defaultInstanceName();
    this.reads = {
      statusStore: deps.statusStore,
      active: this.active,
      slots: () => this.slots.values(),
    };
    this.report = new JobReport(metrics, deps.logger);
    this.breakers = new Breakers(this.config.breaker, metrics, deps.logger);
    this.scheduler = new Scheduler(() => this.config);
    this.newest = new NewestStates(
      deps.alertStateCapacity ?? 10_000,
      deps.alertStates,
      clock,
      deps.logger,
      STATE_FLUSH_MS,
      () => this.isBusy(clock.now()),
    );
    this.newest.load(deps.initialAlertStates ?? []);
    this.life = new JobLifecycle(deps, this.scheduler, this.lanes, this.report, this.active);
    this.chains = {
      scheduler: this.scheduler,
      slots: () => this.slots.values(),
      newest: this.newest,
      life: this.life,
      statusStore: deps.statusStore,
    };
    const sweep = new CircuitSweep(this.scheduler, this.life, () => this.dispatcher.requestPump());
    this.sweep = sweep;
    this.dispatcher = new Dispatcher({
      clock,
      random: deps.random,
      logger: deps.logger,
      config: () => this.config,
      slots: () => this.slots.values(),
      scheduler: this.scheduler,
      life: this.life,
      report: this.report,
      sweep,
      delivered: (job, next, now) => applyAfterDelivery(this.chains, job, next, now),
    });
    this.breakers.onTransition((target, to) => {
      const slot = this.slots.get(target);
      if (slot !== undefined) sweep.changed(slot, to);
    });
    for (const target of deps.targets.values()) this.addSlot(target);
    this.scheduler.setSlots([...this.slots.values()]);
    this.setConfigGauges();
    metrics.onCollect(() => {
      this.report.flush();
      setQueueGauges(metrics, 'memory', this.status());
      setRateGauges(metrics, this.slots.keys(), (target) => this.targetRate(target));
    });
  }

  submit(requests: readonly JobRequest[]): Promise<SubmitResult> {
    return Promise.resolve(this.admitBatch(requests));
  }

  /** Memory mode admits synchronously; the contract is async for durable mode. */
  private admitBatch(requests: readonly JobRequest[]): SubmitResult {
    const { config } = this;
    const { metrics } = this.deps;
    if (this.stopping)
      return { ok: false, code: 'stopping', retryAfterMs: config.admissionRetryAfterMs };
    const prepared = prepareJobs(requests, (target) => this.slots.has(target));
    if (!Array.isArray(prepared)) return prepared;
    const plan = planAdmission(prepared, this.held, config, this.health());
    if (!plan.ok) {
      countSubmissions(metrics, prepared, 'rejected');
      return refusalOf(plan, config.admissionRetryAfterMs);
    }
    const overflowed = new Set(plan.overflowed);
    const now = this.deps.clock.now();
    const jobIds = prepared.map((job) =>
      this.admit(job, overflowed.has(job) ? plan.causes.get(job.request.target) : undefined, now),
    );
    countSubmissions(metrics, prepared, 'accepted');
    this.report.submitted(requests.length);
    this.dispatcher.requestPump();
    return { ok: true, jobIds };
  }

  /** What admission reads of this engine: its held counts and its targets' breakers. */
  private readonly held: HeldCounts = {
    inLane: (priority) => this.lanes.held[priority],
    ofTarget: (priority, target) => this.slots.get(target)?.held[priority] ?? 0,
  };

  private health(): TargetHealth {
    return {
      isFailing: (target) => this.breakers.state(target, this.deps.clock.now()) !== 'closed',
      isThrottled: (target) => this.targetRate(target) !== undefined,
      enabledCount: this.slots.size,
    };
  }

  /**
   * One job in: the latest-state rule first (a stale job ends superseded at once; a newest one
   * supersedes the waiting jobs of its chain and is recorded), then its chain or, beyond a
   * failing target's share, the DLQ: an overflowed job that is not stale changes nothing of
   * its alert's state (admitIntoChain).
   */
  private admit(prepared: PreparedJob, overflow: OverflowCause | undefined, now: number): string {
    const { request, priority: lane } = prepared;
    const slot = this.slots.get(request.target);
    if (slot === undefined) throw new Error(`target vanished: ${request.target}`);
    const job = newActiveJob(request, slot, lane, this.newId(), this.seq++, now);
    this.active.set(job.id, job);
    this.lanes.held[lane] += 1;
    slot.held[lane] += 1;
    this.lanes.move(lane, undefined, 'queued');
    if (
      request.force !== true &&
      applyLatestState(this.chains, job, slot, overflow !== undefined, now) === 'stale'
    ) {
      return job.id;
    }
    if (overflow !== undefined) {
      this.life.deadLetter(job, now, overflowError(slot.target.name, lane, overflow));
    } else {
      this.scheduler.add(job, now);
      this.life.track(job);
    }
    return job.id;
  }

  getJob(id: string): Promise<JobSnapshot | undefined> {
    return Promise.resolve(readJob(this.reads, id));
  }

  listJobs(filter: JobFilter): Promise<JobSnapshot[]> {
    return Promise.resolve(listJobs(this.reads, filter));
  }

  jobsOf(fingerprint: string, limit: number): Promise<JobSnapshot[]> {
    return Promise.resolve(jobsOfAlert(this.reads, fingerprint, limit));
  }

  newestStates(chains: readonly AlertChain[]): Promise<Map<string, StateOfJob>> {
    return this.newest.find(chains);
  }

  status(): QueueStatus {
    const now = this.deps.clock.now();
    return queueStatusOf(this.lanes, this.config, {
      oldestDueAgeMs: (lane) => this.scheduler.oldestDueAgeMs(lane, now),
      inFlight: this.dispatcher.busy,
      stopping: this.stopping,
      instance: this.instance,
    });
  }

  stats(): QueueStats {
    return this.report.stats(this.breakers);
  }

  breakerState(target: string): BreakerState {
    return this.breakers.state(target, this.deps.clock.now());
  }

  breakerOpenedAt(target: string): number | undefined {
    return this.breakers.openedAt(target, this.deps.clock.now());
  }

  async sendAsProbe(target: string, send: () => Promise<PublishOutcome>): Promise<PublishOutcome> {
    const outcome = await this.breakers.sendAsProbe(target, () => this.deps.clock.now(), send);
    // A breaker it closed lets the target's waiting jobs go now.
    this.dispatcher.requestPump();
    return outcome;
  }

  targetJobs(target: string): TargetJobs {
    return jobsOfSlot(this.slots.get(target));
  }

  targetRate(target: string): number | undefined {
    return shownRate(this.slots.get(target)?.limiter.currentRate);
  }

  onJobFinished(listener: JobFinishedListener): void {
    this.report.onJobFinished(listener);
  }

  reconfigure(
    targets: ReadonlyMap<string, Target>,
    config: EngineConfig,
  ): Promise<ReconfigureSummary> {
    const now = this.deps.clock.now();
    const summary = emptyReconfigureSummary();
    this.config = config;
    this.breakers.reconfigure(config.breaker);
    for (const [name, slot] of this.slots) {
      const target = targets.get(name);
      if (target === undefined) {
        summary.removed.push(name);
        summary.deadLettered += this.removeSlot(slot, now);
      } else if (target !== slot.target) {
        summary.changed.push(name);
        // Its breaker starts afresh only if it now sends elsewhere; its rate takes the new limit.
        this.breakers.retarget(slot.target, target);
        slot.target = target;
        this.sweep.retargeted(slot);
        slot.limiter.reconfigure(target.rateLimit, now);
      }
    }
    for (const target of targets.values()) {
      if (this.slots.has(target.name)) continue;
      summary.added.push(target.name);
      this.addSlot(target);
    }
    this.scheduler.setSlots([...this.slots.values()]);
    this.setConfigGauges();
    this.dispatcher.requestPump();
    return Promise.resolve(summary);
  }

  private addSlot(target: Target): void {
    this.report.enlist(target.name);
    const slot = createSlot(
      target,
      this.breakers.of(target.name),
      this.report.meters(target.name),
      this.deps.clock.now(),
    );
    this.slots.set(target.name, slot);
  }

  /** A target left the config: its waiting jobs become letters; attempts in flight finish. */
  private removeSlot(slot: TargetSlot, now: number): number {
    slot.removed = true;
    this.slots.delete(slot.target.name);
    this.breakers.remove(slot.target.name);
    this.sweep.removed(slot);
    this.report.retire(slot.target.name);
    let count = 0;
    for (const fingerprint of [...slot.chains.keys()]) {
      for (const job of this.scheduler.takeWaiting(slot, fingerprint)) {
        this.life.deadLetter(job, now, targetRemovedError(slot.target.name));
        count += 1;
      }
    }
    return count;
  }

  private setConfigGauges(): void {
    const { metrics } = this.deps;
    metrics.workers.set(this.config.workers);
    for (const lane of PRIORITIES) {
      metrics.queueCapacity.set({ priority: lane, mode: 'memory' }, this.config.capacity[lane]);
    }
  }

  stop(timeoutMs: number): Promise<void> {
    this.stopped ??= this.shutdown(timeoutMs);
    return this.stopped;
  }

  /**
   * Stop admitting; deliver what is due until `timeoutMs`; attempts still in flight then get
   * the flush window (stopFlushMs) to finish, and those that do not are cancelled and
   * dead-lettered as possibly delivered (one that fails meanwhile with retries left is a
   * `shutdown` letter too); what waits is dead-lettered as `shutdown`; the letters
   * are stored within another flush window (the journal takes the rest). So stop returns within
   * timeoutMs + 2 × stopFlushMs.
   */
  private async shutdown(timeoutMs: number): Promise<void> {
    const { clock, logger } = this.deps;
    const { stopFlushMs } = this.config;
    this.stopping = true;
    const storedBefore = this.life.lettersStored;
    logger.info({ timeout_ms: timeoutMs, active: this.active.size }, 'stopping: draining due work');
    await this.untilQuietOr(clock.now() + timeoutMs);
    this.dispatcher.stopDispatching();
    const inFlight = this.dispatcher.busy;
    await this.untilIdleOr(clock.now() + stopFlushMs);
    // Their outcome (shutdown) dead-letters them as possibly delivered.
    this.dispatcher.cancelAll();
    const now = clock.now();
    const left = [...this.active.values()].filter(
      (job) => job.state === 'queued' || job.state === 'retrying',
    );
    for (const job of left) this.life.deadLetter(job, now, shutdownError());
    const [letters, statesWritten] = await Promise.all([
      this.life.writer.stop(stopFlushMs),
      settlesWithin(clock, stopFlushMs, this.newest.flush()),
    ]);
    if (!statesWritten) {
      logger.warn({}, 'alert states not written at stop: replay checks may miss the newest');
    }
    logger.info(
      {
        dead_lettered_at_stop: this.life.lettersStored - storedBefore,
        journaled: letters.journaled,
        in_flight_at_deadline: inFlight,
        possibly_delivered: this.dispatcher.possiblyDeliveredAtStop,
        unstored: letters.unstored,
      },
      'engine stopped',
    );
  }

  /** An attempt is in flight or a job is due now. */
  private isBusy(now: number): boolean {
    return this.dispatcher.busy > 0 || this.scheduler.hasDispatchable(now);
  }

  /** Resolves once nothing more can start before `deadline`, or at the deadline. */
  private async untilQuietOr(deadline: number): Promise<void> {
    const { clock } = this.deps;
    const quiet = (): boolean => {
      const now = clock.now();
      return isDrained(
        { busy: this.isBusy(now), nextDueAt: this.scheduler.nextWakeAt(now) },
        deadline,
      );
    };
    await waitUntil(clock, deadline, quiet, (check) => (this.dispatcher.onChange = check));
    this.dispatcher.onChange = undefined;
  }

  /** Resolves once no attempt is in flight, or at the deadline. */
  private async untilIdleOr(deadline: number): Promise<void> {
    const idle = (): boolean => this.dispatcher.busy === 0;
    await waitUntil(this.deps.clock, deadline, idle, (check) => (this.dispatcher.onChange = check));
    this.dispatcher.onChange = undefined;
  }
}
