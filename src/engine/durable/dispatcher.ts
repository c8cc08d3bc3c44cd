import type { Clock, Logger, Random } from '../../domain/clock.js';
import type { Db } from '../../db/db.js';
import type { Target } from '../../domain/target.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Breakers } from '../breakers.js';
import type { JobReport } from '../job-report.js';
import type { EngineConfig } from '../engine-config.js';
import type { PublishOutcome } from '../../domain/publisher.js';
import { AttemptRunner } from '../attempt.js';
import { verdictOf } from '../outcome-decision.js';
import { claimJobs } from './claim-jobs.js';
import { releaseUnheld } from './leases.js';
import type { DurableSettings } from './durable-config.js';
import type { Completion } from './finish-jobs.js';
import type { Held, Holdings } from './holdings.js';
import type { InstanceLease } from './instance-lease.js';
import { priorityOf } from './job-row.js';
import { circuitOpenLetter, completionAfter } from './next-step.js';
import { nextDueAt } from './read-jobs.js';
import type { createWakeSignal } from './wake-signal.js';

export interface DispatcherDeps {
  db: Db;
  clock: Clock;
  random: Random;
  logger: Logger;
  metrics: Metrics;
  targets: ReadonlyMap<string, Target>;
  config: EngineConfig;
  settings: DurableSettings;
  holdings: Holdings;
  lease: InstanceLease;
  breakers: Breakers;
  report: JobReport;
  wakeSignal: ReturnType<typeof createWakeSignal>;
  complete: (held: Held, completion: Completion) => void;
  isStopping: () => boolean;
}

/**
 * The claim loop of one instance: keeps `workers × (1 + prefetch)` jobs held, claiming the
 * missing ones in one statement, and starts buffered jobs as workers and per-target slots
 * free up. Breakers and per-target concurrency are per instance. Sleeps until woken (NOTIFY,
 * a local submit or completion) or the next due retry, with `pollMs` as backstop.
 */
export function createDispatcher(deps: DispatcherDeps): {
  loop(): Promise<void>;
  attempts(): Promise<void>;
  /**
   * Releases rows claimed under the current owner that are not held (see releaseUnheld). Runs
   * between claims, never beside one: a claim's rows are held before the next statement.
   */
  releaseUnheld(nowMs: number): Promise<number>;
} {
  const { holdings, config, settings, clock } = deps;
  const factor = 1 + settings.prefetchPerWorker;
  const running = new Set<Promise<void>>();
  const minClaim = Math.max(1, Math.floor((config.workers * factor) / 4));
  const attempts = new AttemptRunner(clock, deps.logger, config.workers);
  const maxTimeoutMs = Math.max(0, ...[...deps.targets.values()].map((t) => t.timeoutMs));
  // Claims and releases of unheld rows one at a time, each with its holdings update.
  let exclusive: Promise<unknown> = Promise.resolve();
  function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const run = exclusive.then(work, work);
    exclusive = run.catch(() => undefined);
    return run;
  }

  async function claim(want: number): Promise<number> {
    const owner = deps.lease.owner;
    const jobs = await claimJobs(deps.db, {
      owner,
      nowMs: clock.now(),
      limit: want,
      slots: slots(),
      maxWaitMs: config.maxWaitMs,
    });
    if (owner !== deps.lease.owner) {
      // The lease was lost meanwhile: these rows are left to the sweep with the rest.
      deps.logger.warn({ jobs: jobs.length }, 'claim returned after the lease was lost');
      return 0;
    }
    // Claimed while stop began: held anyway, so that stop releases them.
    for (const job of jobs) holdings.add(job, targetOf(deps.targets, job.target_name), owner);
    return jobs.length;
  }

  function slots(): Map<string, number> {
    const result = new Map<string, number>();
    for (const target of deps.targets.values()) {
      if (!target.enabled) continue;
      const breaker = deps.breakers.of(target.name);
      breaker.refresh(clock.now());
      const limit =
        breaker.state === 'closed'
          ? config.perTargetConcurrency * factor
          : breaker.state === 'half_open'
            ? 1
            : 0;
      result.set(target.name, Math.max(0, limit - holdings.activeFor(target.name)));
    }
    return result;
  }

  /** Enough of the window is free for a claim (it costs about the same for 1 job as for 100). */
  function claimWanted(): boolean {
    const want = config.workers * factor - holdings.active();
    return want > 0 && (want >= minClaim || holdings.buffer.size === 0);
  }

  function startReady(): void {
    // Stopping: what is buffered is released, not started.
    if (deps.isStopping()) return;
    const now = clock.now();
    // Deleting the entry being visited is safe in a Set iteration.
    for (const held of holdings.buffer) {
      if (holdings.running >= config.workers) return;
      const breaker = deps.breakers.of(held.target.name);
      breaker.refresh(now);
      if (!breaker.allows()) {
        if (breaker.state === 'open') parkForBreaker(held, now);
        continue;
      }
      if (holdings.runningFor(held.target.name) >= config.perTargetConcurrency) continue;
      // Never an attempt that could outlive the lease (renewals failing): it waits, and is
      // given up with the rest if the lease is lost.
      if (held.owner !== deps.lease.owner || !deps.lease.covers(now, held.target.timeoutMs))
        continue;
      holdings.start(held);
      const attempt = run(held, breaker.begin());
      running.add(attempt);
      void attempt.finally(() => running.delete(attempt));
    }
  }

  /** A buffered job of a target whose breaker opened: back to waiting, or too old → DLQ. */
  function parkForBreaker(held: Held, now: number): void {
    holdings.unbuffer((h) => h === held);
    const tooOld = held.job.submitted_at.getTime() + held.target.retry.maxJobAgeMs < now;
    deps.complete(
      held,
      tooOld
        ? circuitOpenLetter(held.job, held.target, now)
        : { kind: 'release', id: held.job.id, waitingState: waitingStateOf(held) },
    );
  }

  async function run(held: Held, isProbe: boolean): Promise<void> {
    const startedAt = clock.now();
    deps.report.started(priorityOf(held.job), Math.max(0, startedAt - held.job.due_at.getTime()));
    const outcome = await new Promise<PublishOutcome>((resolve) => {
      const delivery = {
        jobId: held.job.id,
        target: held.target.name,
        alert: held.job.alert,
        ...(held.job.classification === null ? {} : { classification: held.job.classification }),
        priority: priorityOf(held.job),
        attempt: held.job.attempts,
      };
      const running = attempts.run(
        held.target.publisher,
        delivery,
        held.target.timeoutMs,
        resolve,
        settleWith,
      );
      held.cancel = () => running.cancel();
    });
    held.cancel = undefined;
    const now = clock.now();
    holdings.finishing(held);
    deps.report.attempted(deps.report.meters(held.target.name), outcome, now - startedAt, now);
    deps.breakers.of(held.target.name).record(verdictOf(outcome), isProbe, now);
    // The freed worker takes a buffered job at once; the loop is woken only to claim.
    startReady();
    if (claimWanted()) deps.wakeSignal.wake();
    if (held.leaseLost) {
      // Another instance may own the job now: write nothing, the row is not ours.
      holdings.release(held.job.id);
      return;
    }
    if (!outcome.ok && outcome.reason === 'shutdown') {
      // Cut short by stop: due again at once, without spending a retry.
      const error = { type: outcome.type, reason: outcome.reason, message: outcome.message };
      deps.complete(held, {
        kind: 'retry',
        id: held.job.id,
        dueAtMs: now,
        countsRetry: false,
        error,
      });
      return;
    }
    deps.complete(held, completionAfter(held.job, outcome, held.target, now, deps.random));
  }

  async function idleDelayMs(): Promise<number> {
    if (holdings.active() >= config.workers * factor) return settings.pollMs;
    try {
      const due = await nextDueAt(deps.db);
      return due === null ? settings.pollMs : Math.min(settings.pollMs, due - clock.now());
    } catch (error: unknown) {
      deps.logger.warn({ err: error }, 'reading the next due time failed');
      return settings.pollMs;
    }
  }

  return {
    async loop() {
      while (!deps.isStopping()) {
        if (!deps.lease.covers(clock.now(), maxTimeoutMs)) {
          // Behind on heartbeats (a stall): renew now rather than idle until the next one.
          await deps.lease.beat(clock.now());
          if (!deps.lease.covers(clock.now(), maxTimeoutMs)) {
            await deps.wakeSignal.wait(settings.heartbeatMs);
            continue;
          }
        }
        startReady();
        const want = config.workers * factor - holdings.active();
        let claimed = 0;
        // Wait for a quarter of the window to free up unless workers would otherwise idle.
        const claiming = claimWanted();
        if (claiming) {
          deps.wakeSignal.reset();
          try {
            claimed = await oneAtATime(() => claim(want));
          } catch (error: unknown) {
            // It may have committed anyway: the heartbeat releases rows claimed but not held.
            deps.logger.error({ err: error }, 'claiming jobs failed');
          }
        }
        if (deps.isStopping()) return;
        startReady();
        if (claimed > 0) continue;
        // Not claiming (enough held): a completion wakes the loop, no due time is needed.
        await deps.wakeSignal.wait(claiming ? await idleDelayMs() : settings.pollMs);
      }
    },
    async attempts() {
      while (running.size > 0) await Promise.all([...running]);
    },
    releaseUnheld: (nowMs) =>
      oneAtATime(() => releaseUnheld(deps.db, deps.lease.owner, [...holdings.byId.keys()], nowMs)),
  };
}

export function waitingStateOf(held: Held): 'queued' | 'retrying' {
  return held.job.attempts <= 1 ? 'queued' : 'retrying';
}

function targetOf(targets: ReadonlyMap<string, Target>, name: string): Target {
  const target = targets.get(name);
  // Claims only ask for configured targets ($4 in claim-jobs), so this is a bug if it happens.
  if (target === undefined) throw new Error(`claimed a job of unconfigured target ${name}`);
  return target;
}

/** The attempt runner's continuation for an attempt awaited as a promise. */
function settleWith(
  resolve: (outcome: PublishOutcome) => void,
  _startedAt: number,
  outcome: PublishOutcome,
): void {
  resolve(outcome);
}
