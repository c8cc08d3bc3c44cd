import { logFailure } from '../../db/database-unavailable.js';
import type { Clock, Logger, Random } from '../../domain/clock.js';
import type { Db } from '../../db/db.js';
import type { JobError } from '../../domain/job.js';
import type { PublishOutcome } from '../../domain/publisher.js';
import type { Target } from '../../domain/target.js';
import { AttemptRunner } from '../attempt.js';
import type { Breakers } from '../breakers.js';
import type { EngineConfig } from '../engine-config.js';
import type { JobReport } from '../job-report.js';
import { waitsPastRetries } from '../outcome-decision.js';
import type { RateLimiter } from '../rate-limiter.js';
import { recordAttemptResult } from './attempt-result.js';
import { claimJobs, urgentTurns } from './claim-jobs.js';
import { resendTargetsOf } from './delivered-repeats.js';
import type { DurableSettings } from './durable-config.js';
import type { Completion } from './finish-jobs.js';
import type { Held, Holdings } from './holdings.js';
import type { InstanceLease } from './instance-lease.js';
import { priorityOf } from './job-row.js';
import { releaseUnheld } from './leases.js';
import {
  circuitOpenLetter,
  completionAfter,
  releaseOf,
  retryAfterShutdown,
  targetRemovedLetter,
} from './next-step.js';
import { nextClaimableAt } from './next-claimable.js';
import { handsOver, markStopping } from './other-instances.js';
import { StopWindow } from './stop-window.js';
import type { createWakeSignal } from './wake-signal.js';
import type { JobRequest } from '../publishing-engine.js';
import { createStartChecks } from './start-checks.js';

/** The targets as a config reload leaves them: those configured now, and the removed ones. */
export interface TargetView {
  current(): ReadonlyMap<string, Target>;
  /** A configured or a removed target (jobs of a removed one may still be held). */
  named(name: string): Target | undefined;
  isRemoved(name: string): boolean;
}

export interface DispatcherDeps {
  db: Db;
  clock: Clock;
  random: Random;
  logger: Logger;
  targets: TargetView;
  config: () => EngineConfig;
  settings: DurableSettings;
  holdings: Holdings;
  lease: InstanceLease;
  breakers: Breakers;
  limiterOf: (target: string) => RateLimiter;
  report: JobReport;
  wakeSignal: ReturnType<typeof createWakeSignal>;
  complete: (held: Held, completion: Completion) => void;
}

/**
 * The claim loop of one instance: keeps `workers × (1 + prefetch)` jobs held, claiming the
 * missing ones in one statement, and starts buffered jobs as workers, per-target slots and
 * rate tokens allow. Breakers, per-target concurrency and rates are per instance. Sleeps until
 * woken (NOTIFY, a local submit or completion), the next due retry or rate token, with
 * `pollMs` as backstop. At stop (`deliverUntil`) it goes on claiming and delivering what is due
 * before the deadline, holding only what it can start (no prefetch), and ends once nothing is
 * held and nothing falls due before the deadline (delivery-window.ts), or at the deadline; or
 * before its next claim once another instance is live (other-instances.ts), which takes the rest.
 */
export function createDispatcher(deps: DispatcherDeps): {
  /** Runs until the delivery window that `deliverUntil` opens ends. */
  loop(): Promise<void>;
  /**
   * Stop: from now on only what is due before `deadlineMs` is delivered; the buffered jobs go
   * back to waiting at once (for this or another instance), and the loop ends once nothing is
   * left to deliver in the window, or at the deadline.
   */
  deliverUntil(deadlineMs: number): Promise<void>;
  /** Claimed jobs not started go back to waiting (stop, once the loop ended). */
  releaseBuffered(): void;
  attempts(): Promise<void>;
  /** Stop, once no attempt runs: the attempt timeouts' timer goes too (it would keep the process). */
  stopTimers(): void;
  /**
   * Releases rows claimed under the current owner that are not held (see releaseUnheld). Runs
   * between claims, never beside one: a claim's rows are held before the next statement.
   */
  releaseUnheld(nowMs: number): Promise<number>;
  /** Buffered jobs of removed targets become `target_removed` letters (config reload). */
  dropRemoved(nowMs: number): number;
  /**
   * Runs `admit` (an admission of `requests` on this instance) while the buffered jobs of their
   * chains wait; once it settled they are checked for a newer job before they start.
   */
  admitting<T>(requests: readonly JobRequest[], admit: () => Promise<T>): Promise<T>;
} {
  const { holdings, settings, clock, lease } = deps;
  const stop = new StopWindow(() => clock.now());
  const running = new Set<Promise<void>>();
  const attempts = new AttemptRunner(clock, deps.logger, deps.config().workers);
  /** When a rate token of a target with buffered jobs comes (the loop wakes for it). */
  let tokenAt: number | undefined;
  const checks = createStartChecks({ ...deps, startReady });
  // Claims and releases of unheld rows one at a time, each with its holdings update.
  let exclusive: Promise<unknown> = Promise.resolve();
  function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const run = exclusive.then(work, work);
    exclusive = run.catch(() => undefined);
    return run;
  }

  const windowSize = (): number => deps.config().workers * stop.factor(settings.prefetchPerWorker);
  /** Targets whose last claimed aged-or-high job was aged (claim-jobs.ts, urgentTurns). */
  const agedWentLast = new Set<string>();
  const maxTimeoutMs = (): number =>
    Math.max(0, ...[...deps.targets.current().values()].map((t) => t.timeoutMs));

  async function claim(want: number): Promise<number> {
    const owner = deps.lease.owner;
    const claimedAt = clock.now();
    const jobs = await claimJobs(deps.db, {
      owner,
      nowMs: clock.now(),
      limit: want,
      slots: slots(),
      maxWaitMs: deps.config().maxWaitMs,
      agedWentLast,
      resendTargets: resendTargetsOf(deps.targets.current()),
    });
    urgentTurns(agedWentLast, jobs);
    if (owner !== deps.lease.owner) {
      // The lease was lost meanwhile: these rows are left to the sweep with the rest.
      deps.logger.warn({ jobs: jobs.length }, 'claim returned after the lease was lost');
      return 0;
    }
    // Claimed while stop began: held anyway, so that stop releases them.
    for (const job of jobs) {
      holdings.add(job, targetOf(deps.targets, job.target_name), owner, claimedAt);
    }
    // A reload may have removed a target while the claim was out.
    dropRemoved(clock.now());
    await checks.afterClaim(jobs, deps.targets.current());
    return jobs.length;
  }

  function slots(): Map<string, number> {
    const result = new Map<string, number>();
    const { perTargetConcurrency } = deps.config();
    for (const target of deps.targets.current().values()) {
      const breaker = deps.breakers.of(target.name);
      breaker.refresh(clock.now());
      const limit =
        breaker.state === 'closed'
          ? perTargetConcurrency * stop.factor(settings.prefetchPerWorker)
          : breaker.state === 'half_open'
            ? 1
            : 0;
      result.set(target.name, Math.max(0, limit - holdings.activeFor(target.name)));
    }
    return result;
  }

  /** Enough of the window is free for a claim (it costs about the same for 1 job as for 100). */
  function claimWanted(): boolean {
    const want = windowSize() - holdings.active();
    const minClaim = Math.max(1, Math.floor(windowSize() / 4));
    return want > 0 && (want >= minClaim || holdings.buffer.size === 0);
  }

  function startReady(): void {
    // Past stop's deadline: what is buffered is released, not started.
    if (!stop.delivering()) return;
    const now = clock.now();
    const { workers, perTargetConcurrency } = deps.config();
    tokenAt = undefined;
    /** Targets with a job to check first: their later jobs wait for it (order within a target). */
    const waitForCheck = new Set<string>();
    // Deleting the entry being visited is safe in a Set iteration.
    for (const held of holdings.buffer) {
      if (holdings.running >= workers) break;
      const name = held.target.name;
      if (held.pauses > 0) waitForCheck.add(name);
      if (waitForCheck.has(name)) continue;
      const breaker = deps.breakers.of(name);
      breaker.refresh(now);
      if (!breaker.allows()) {
        if (breaker.state === 'open') parkForBreaker(held, breaker.lastFailure, now);
        continue;
      }
      if (holdings.runningFor(name) >= perTargetConcurrency) continue;
      const limiter = deps.limiterOf(name);
      const ready = limiter.readyAt(now);
      if (ready > now) {
        tokenAt = tokenAt === undefined ? ready : Math.min(tokenAt, ready);
        continue;
      }
      // Never an attempt that could outlive the lease (renewals failing): it waits, and is
      // given up with the rest if the lease is lost.
      if (held.owner !== deps.lease.owner || !deps.lease.covers(now, held.target.timeoutMs))
        continue;
      if (checks.isDue(held, now)) {
        waitForCheck.add(name);
        continue;
      }
      holdings.start(held);
      limiter.take(now);
      track(run(held, breaker.begin()));
    }
    if (waitForCheck.size > 0) {
      const check = checks.checkWaited(now);
      if (check !== undefined) track(check);
    }
  }

  /** Stop waits for it (`attempts`). */
  function track(work: Promise<void>): void {
    running.add(work);
    void work.finally(() => running.delete(work));
  }

  /** A buffered job of a target whose breaker opened: back to waiting, or too old → DLQ. */
  function parkForBreaker(held: Held, lastFailure: JobError | undefined, now: number): void {
    holdings.unbuffer((h) => h === held);
    const tooOld = held.job.submitted_at.getTime() + held.target.retry.maxJobAgeMs < now;
    deps.complete(
      held,
      tooOld ? circuitOpenLetter(held.job, held.target, lastFailure, now) : releaseOf(held.job),
    );
  }

  /** Claimed but not started: back to waiting at once, for this or another instance. */
  function releaseBuffered(): void {
    for (const held of holdings.unbuffer(() => true)) deps.complete(held, releaseOf(held.job));
  }

  function dropRemoved(nowMs: number): number {
    const removed = holdings.unbuffer((held) => deps.targets.isRemoved(held.target.name));
    for (const held of removed) {
      deps.complete(held, targetRemovedLetter(held.job, held.target, nowMs));
    }
    return removed.length;
  }

  async function run(held: Held, isProbe: boolean): Promise<void> {
    const startedAt = clock.now();
    const waits = waitsPastRetries(
      {
        priorAttempts: held.job.attempts - 1, // the claim counted this one
        retries: held.job.retries,
        isRetryCounted: held.job.is_retry_counted,
      },
      held.target.retry,
    );
    // A retry counts once made (the claim only charged the attempt, refunded if not started).
    if (held.job.is_retry_counted) held.job.retries += 1;
    held.job.is_retry_counted = false;
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
      const attempt = attempts.run(
        held.target.publisher,
        delivery,
        held.target.timeoutMs,
        resolve,
        settleWith,
      );
      held.cancel = () => attempt.cancel();
    });
    held.cancel = undefined;
    const now = clock.now();
    holdings.finishing(held);
    const name = held.target.name;
    deps.report.attempted(deps.report.meters(name), outcome, now - startedAt, now);
    const targetDown = recordAttemptResult(deps, held, outcome, {
      isProbe,
      waitsPastRetries: waits,
      startedAt,
      now,
    });
    // The freed worker takes a buffered job at once; the loop is woken only to claim.
    startReady();
    if (claimWanted()) deps.wakeSignal.wake();
    if (held.leaseLost) {
      // Another instance may own the job now: write nothing, the row is not ours.
      holdings.release(held);
      return;
    }
    if (!outcome.ok && outcome.reason === 'shutdown') {
      deps.complete(held, retryAfterShutdown(held.job, outcome, now));
      return;
    }
    const newer = outcome.ok ? undefined : await checks.newerWaiting(held);
    const completion = completionAfter(held.job, outcome, held.target, now, deps.random, {
      newerWaiting: newer,
      targetDown,
    });
    if (
      deps.targets.isRemoved(name) &&
      (completion.kind === 'retry' || completion.kind === 'dead')
    ) {
      deps.complete(held, targetRemovedLetter(held.job, held.target, now));
      return;
    }
    deps.complete(held, completion);
  }

  /** Waits for a wake or `ms`, not past stop's deadline. */
  function sleep(ms: number): Promise<void> {
    return deps.wakeSignal.wait(stop.capped(ms));
  }

  return {
    async loop() {
      while (stop.delivering()) {
        if (!deps.lease.covers(clock.now(), maxTimeoutMs())) {
          // Behind on heartbeats (a stall): renew now rather than idle until the next one.
          await deps.lease.beat(clock.now());
          if (!deps.lease.covers(clock.now(), maxTimeoutMs())) {
            await sleep(settings.heartbeatMs);
            continue;
          }
        }
        startReady();
        const want = windowSize() - holdings.active();
        let claimed = 0;
        // Wait for a quarter of the window to free up unless workers would otherwise idle.
        const claiming = claimWanted();
        const claimedAtMs = clock.now();
        if (claiming && (await stop.handsOver(() => handsOver(deps, lease.owner, clock.now())))) {
          return;
        }
        if (claiming) {
          deps.wakeSignal.reset();
          try {
            claimed = await oneAtATime(() => claim(want));
          } catch (error: unknown) {
            // It may have committed anyway: the heartbeat releases rows claimed but not held.
            logFailure(deps.logger, 'error', error, {}, 'claiming jobs failed');
          }
        }
        if (!stop.delivering()) return;
        startReady();
        if (claimed > 0) continue;
        // Not claiming (enough held): a completion or a token wakes the loop.
        const untilToken =
          tokenAt === undefined ? settings.pollMs : Math.max(0, tokenAt - clock.now());
        // A claim that took nothing: when may something become claimable?
        const claimableAt = claiming
          ? await nextClaimableAt(deps, deps.targets.current().keys(), claimedAtMs)
          : undefined;
        // At stop, done once nothing is held, not even a completion still being committed
        // (a retry it writes may fall due within the window). Not on a claim that a wake
        // overtook (an admission committed, or the stop began, while it ran): a job stored in
        // its millisecond, unseen by it, reads as due before it and so as "cannot be taken".
        if (!deps.wakeSignal.isPending() && stop.drained(holdings.byId.size > 0, claimableAt)) {
          return;
        }
        const untilClaimable =
          claimableAt === undefined ? settings.pollMs : Math.max(0, claimableAt - clock.now());
        await sleep(Math.min(settings.pollMs, untilToken, untilClaimable));
      }
    },
    async deliverUntil(deadlineMs) {
      stop.open(deadlineMs, markStopping(deps, lease, deps.config().stopFlushMs));
      // Between claims: a claim under way is held first, so its jobs are released too.
      await oneAtATime(() => {
        releaseBuffered();
        return Promise.resolve();
      });
      deps.wakeSignal.wake();
    },
    releaseBuffered,
    async attempts() {
      while (running.size > 0) await Promise.all([...running]);
    },
    stopTimers: () => attempts.cancelAll(),
    releaseUnheld: (nowMs) =>
      oneAtATime(() => releaseUnheld(deps.db, deps.lease.owner, [...holdings.byId.keys()], nowMs)),
    dropRemoved,
    admitting: (requests, admit) => checks.admitting(requests, admit),
  };
}

function targetOf(targets: TargetView, name: string): Target {
  const target = targets.named(name);
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
