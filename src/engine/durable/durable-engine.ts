import { logFailure } from '../../db/database-unavailable.js';
import { randomUUID } from 'node:crypto';

import type { Db } from '../../db/db.js';
import { leaseCoversAttempt } from '../../domain/lease.js';
import type { Clock, Logger, Random } from '../../domain/clock.js';
import { PRIORITIES } from '../../domain/job.js';
import type { Target } from '../../domain/target.js';
import { createAlertStateStore } from '../../history/alert-states-repository.js';
import type { Metrics } from '../../metrics/metrics.js';
import { Breakers } from '../breakers.js';
import { settlesWithin } from '../clock-wait.js';
import type { EngineConfig } from '../engine-config.js';
import { defaultInstanceName } from '../instance-name.js';
import { circuitOpenError, targetRemovedError } from '../job-errors.js';
import { JobReport } from '../job-report.js';
import type {
  BreakerState,
  PublishingEngine,
  QueueStats,
  ReconfigureSummary,
} from '../publishing-engine.js';
import { emptyReconfigureSummary } from '../publishing-engine.js';
import { setQueueGauges, setRateGauges } from '../queue-gauges.js';
import { RateLimiter, shownRate } from '../rate-limiter.js';
import { countCommittedDeadLetters } from './committed-dead-letters.js';
import { createCompletionQueue } from './completion-queue.js';
import type { TargetView } from './dispatcher.js';
import { createDispatcher } from './dispatcher.js';
import type { DurableOptions, DurableSettings } from './durable-config.js';
import { WAKE_CHANNEL, defaultLeaseMs } from './durable-config.js';
import { engineStatus, targetJobsOf } from './engine-status.js';
import { Holdings } from './holdings.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';
import { dlqInsertOn } from './insert-dead-letters.js';
import { InstanceLease } from './instance-lease.js';
import { deregisterInstance } from './leases.js';
import { runMaintenance } from './maintenance.js';
import type { LaneCount } from './read-jobs.js';
import { listJobRows, readJob, readJobsOf } from './read-jobs.js';
import { createRemovedTargetJobs, startTargetsOf } from './removed-target-jobs.js';
import { reportCompletion, reportDeadRow } from './report-completions.js';
import { createJobSubmitter } from './submit-jobs.js';
import { createWakeSignal } from './wake-signal.js';

/** Subscribes to a NOTIFY channel (a dedicated pg client, or PGlite's listen); returns unlisten. */
export type Listen = (channel: string, onNotify: () => void) => Promise<() => Promise<void>>;

export interface DurableEngineDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  metrics: Metrics;
  /** The targets it delivers to: the enabled ones (app.ts). */
  targets: ReadonlyMap<string, Target>;
  /**
   * Every configured target, disabled ones too (read at start, and after it while the database
   * does not answer): a start dead-letters the waiting jobs of targets it does not deliver to.
   */
  configured?: ReadonlyMap<string, Target>;
  db: Db;
  config: EngineConfig;
  durable: DurableOptions;
  /** Without it, idle instances notice new jobs at the next poll. */
  listen?: Listen;
  insertDeadLetters?: DeadLetterInsert;
  /**
   * Hears how many dead letters each transaction of the engine inserted, once it committed
   * (app.ts moves alert_publisher_dlq_entries by them).
   */
  onDeadLettersCommitted?: (count: number) => void;
  newId?: () => string;
}

/** Rows dead-lettered per statement when a reload removes a target. */
const REMOVAL_BATCH = 1_000;

export async function createDurableEngine(deps: DurableEngineDeps): Promise<PublishingEngine> {
  const { clock, metrics } = deps;
  // Completions, admission overflow and a removed target's jobs dead-letter inside their own
  // transactions: count the letters once each commits.
  const { db, insert } = countCommittedDeadLetters(
    deps.db,
    deps.insertDeadLetters ?? dlqInsertOn(clock),
    deps.onDeadLettersCommitted ?? (() => undefined),
  );
  let config = deps.config;
  let targets = deps.targets;
  /** Targets a reload removed: jobs of theirs may still be held and finish. */
  const retired = new Map<string, Target>();
  const maxTimeoutMs = Math.max(0, ...[...targets.values()].map((t) => t.timeoutMs));
  const { heartbeatMs } = deps.durable;
  const settings: DurableSettings = {
    ...deps.durable,
    instanceId: deps.durable.instanceId ?? defaultInstanceName(),
    leaseMs: deps.durable.leaseMs ?? defaultLeaseMs(maxTimeoutMs, heartbeatMs),
  };
  assertLeaseCovers(settings, targets);
  const newId = deps.newId ?? randomUUID;
  const holdings = new Holdings();
  const wakeSignal = createWakeSignal(clock);
  const report = new JobReport(metrics, deps.logger);
  const breakers = new Breakers(config.breaker, metrics, deps.logger);
  const limiters = new Map<string, RateLimiter>();
  const alertStates = createAlertStateStore(db);
  let laneCounts: LaneCount[] = [];
  let stopping = false;

  const targetView: TargetView = {
    current: () => targets,
    named: (name) => targets.get(name) ?? retired.get(name),
    isRemoved: (name) => !targets.has(name),
  };

  const policyOf = (name: string) => targets.get(name)?.retry;

  /** The rate in force: the limiter's, or the configured one before any attempt made one. */
  function rateOf(name: string): number | undefined {
    return shownRate(limiters.get(name)?.currentRate ?? targets.get(name)?.rateLimit?.perSecond);
  }

  function limiterOf(name: string): RateLimiter {
    let limiter = limiters.get(name);
    if (limiter === undefined) {
      limiter = new RateLimiter(targets.get(name)?.rateLimit, clock.now());
      limiters.set(name, limiter);
    }
    return limiter;
  }

  const completions = createCompletionQueue({
    db,
    clock,
    logger: deps.logger,
    batchSize: settings.completionBatch,
    insertDeadLetters: insert,
    onFinished: (finished) => {
      const now = clock.now();
      for (const item of finished) {
        holdings.release(item.held);
        reportCompletion(report, item, now);
      }
      wakeSignal.wake();
    },
  });

  const lease = new InstanceLease(db, settings.instanceId, settings.leaseMs, heartbeatMs, {
    onLost(why, owner) {
      deps.logger.warn(
        { held: holdings.byId.size, owner, next: lease.owner },
        `instance lease lost (${why}): attempts aborted, jobs left to other instances`,
      );
      holdings.giveUpAll();
      wakeSignal.wake();
    },
    onUnconfirmed(error) {
      logFailure(deps.logger, 'error', error, {}, 'renewing the instance lease failed');
    },
  });
  await lease.register(clock.now());

  const dispatcher = createDispatcher({
    db,
    clock,
    random: deps.random,
    logger: deps.logger,
    targets: targetView,
    config: () => config,
    settings,
    holdings,
    lease,
    breakers,
    limiterOf,
    report,
    wakeSignal,
    complete: (held, completion) => completions.add(held, completion),
  });

  const removals = createRemovedTargetJobs({
    db,
    logger: deps.logger,
    insertDeadLetters: insert,
    batchSize: REMOVAL_BATCH,
    onDead: (rows, nowMs) => {
      for (const row of rows)
        reportDeadRow(report, row, targetRemovedError(row.target_name), nowMs);
    },
  });
  // Jobs left waiting for targets removed or disabled while no instance ran would wait forever.
  await removals.atStart(
    startTargetsOf(() => targets, deps.configured ?? deps.targets),
    clock.now(),
  );

  const unlisten =
    deps.listen === undefined
      ? undefined
      : await deps.listen(WAKE_CHANNEL, () => wakeSignal.wake());
  const maintenanceStop = new AbortController();
  const maintenance = runMaintenance(
    {
      db,
      clock,
      logger: deps.logger,
      settings,
      lease,
      onLaneCounts: (counts) => {
        laneCounts = counts;
      },
      onReleased: () => wakeSignal.wake(),
      releaseUnheld: (nowMs) => dispatcher.releaseUnheld(nowMs),
      failingTargets: () =>
        [...targets.values()]
          .filter((target) => breakers.state(target.name, clock.now()) !== 'closed')
          .map((target) => ({
            target,
            error: circuitOpenError(target.name, breakers.of(target.name).lastFailure),
          })),
      insertDeadLetters: insert,
      deadLetterRemoved: (nowMs) => removals.retry(nowMs),
      onCircuitExpired: (expired) => {
        const now = clock.now();
        for (const { row, error } of expired) reportDeadRow(report, row, error, now);
      },
    },
    maintenanceStop.signal,
  );
  const loop = dispatcher.loop();

  function setConfigGauges(): void {
    metrics.workers.set(config.workers);
    for (const priority of PRIORITIES) {
      metrics.queueCapacity.set({ priority, mode: 'durable' }, config.capacity[priority]);
    }
  }
  setConfigGauges();
  const status = () =>
    engineStatus(laneCounts, config, holdings.running, stopping, clock.now(), lease.owner);
  metrics.onCollect(() => {
    report.flush();
    setQueueGauges(metrics, 'durable', status());
    setRateGauges(metrics, targets.keys(), rateOf);
  });

  const submitter = createJobSubmitter({
    db,
    clock,
    metrics,
    config: () => config,
    targets: () => targets,
    breakers,
    isThrottled: (target) => rateOf(target) !== undefined,
    report,
    insertDeadLetters: insert,
    newId,
  });

  return {
    async submit(requests) {
      if (stopping)
        return { ok: false, code: 'stopping', retryAfterMs: config.admissionRetryAfterMs };
      // Jobs of the same chains held here wait for it, then are checked (dispatcher.ts).
      const result = await dispatcher.admitting(requests, () => submitter.submit(requests));
      if (result.ok) wakeSignal.wake();
      return result;
    },
    getJob: (id) => readJob(db, id, policyOf),
    listJobs: (filter) => listJobRows(db, filter, policyOf),
    jobsOf: (fingerprint, limit) => readJobsOf(db, fingerprint, limit, policyOf),
    newestStates: (chains) => alertStates.read(chains),
    status,
    stats: (): QueueStats => report.stats(breakers),
    breakerState: (target): BreakerState => breakers.state(target, clock.now()),
    breakerOpenedAt: (target) => breakers.openedAt(target, clock.now()),
    async sendAsProbe(target, send) {
      const outcome = await breakers.sendAsProbe(target, () => clock.now(), send);
      // A breaker it closed lets the target's waiting jobs be claimed now.
      wakeSignal.wake();
      return outcome;
    },
    targetJobs: (target) => targetJobsOf(laneCounts, target),
    targetRate: rateOf,
    onJobFinished: (listener) => report.onJobFinished(listener),
    async reconfigure(next, nextConfig): Promise<ReconfigureSummary> {
      const now = clock.now();
      assertLeaseCovers(settings, next);
      const summary = emptyReconfigureSummary();
      const removed: Target[] = [];
      for (const [name, target] of targets) {
        const replacement = next.get(name);
        if (replacement === undefined) {
          summary.removed.push(name);
          removed.push(target);
          retired.set(name, target);
          breakers.remove(name);
          limiters.delete(name);
          report.retire(name);
        } else if (replacement !== target) {
          // Its breaker starts afresh only if it now sends elsewhere; its rate takes the new limit.
          summary.changed.push(name);
          breakers.retarget(target, replacement);
          limiterOf(name).reconfigure(replacement.rateLimit, now);
        }
      }
      for (const name of next.keys()) {
        if (!targets.has(name)) {
          summary.added.push(name);
          retired.delete(name);
          report.enlist(name);
          removals.keep(name);
        }
      }
      targets = next;
      config = nextConfig;
      breakers.reconfigure(config.breaker);
      setConfigGauges();
      summary.deadLettered += dispatcher.dropRemoved(now);
      // Completions of attempts that ended before the reload may still be in flight: once
      // committed, their rows wait too and are dead-lettered with the rest.
      await settlesWithin(clock, config.stopFlushMs, completions.drained());
      // So do batches checked against the old targets and not committed yet: the removed
      // targets' jobs they store are dead-lettered with the rest (submitted up to now).
      await settlesWithin(clock, config.stopFlushMs, submitter.idle());
      // The new targets are in effect whatever the database says: when it fails, the removed
      // targets' waiting jobs are dead-lettered by maintenance once it answers (never left
      // waiting for a target that is gone).
      removals.add(removed, clock.now());
      const { deadLettered, deferred } = await removals.atReload(clock.now());
      summary.deadLettered += deadLettered;
      summary.deadLetterDeferred = deferred;
      wakeSignal.wake();
      return summary;
    },
    async stop(timeoutMs) {
      if (stopping) return;
      stopping = true;
      // What is due before the deadline is still delivered (docs/how-it-works.md "Stopping"), as
      // in memory mode, the jobs of admissions under way included: the window is judged once they
      // are stored.
      const deadline = clock.now() + timeoutMs;
      await settlesWithin(clock, timeoutMs, submitter.idle());
      await dispatcher.deliverUntil(deadline);
      await loop;
      dispatcher.releaseBuffered();
      // Attempts in flight at the deadline are cut short: due again at once, for this or
      // another instance.
      const finished = dispatcher.attempts();
      if (!(await settlesWithin(clock, Math.max(0, deadline - clock.now()), finished))) {
        for (const held of holdings.byId.values()) held.cancel?.();
        await finished;
      }
      // The timeout timer of the last attempts would keep the process for up to a timeout.
      dispatcher.stopTimers();
      // Admissions already under way commit (or fail, answered 503) before the database goes.
      await settlesWithin(clock, config.stopFlushMs, submitter.idle());
      // Bounded: with the database gone, stop still returns (the leases lapse instead).
      if (!(await settlesWithin(clock, config.stopFlushMs, completions.drained()))) {
        const lost = completions.abandon();
        deps.logger.error({ jobs: lost }, 'completions not committed at stop: redelivered later');
      }
      maintenanceStop.abort();
      // Bounded too: a hanging database must not hold stop past its budget.
      const ended = await settlesWithin(
        clock,
        config.stopFlushMs,
        (async () => {
          await maintenance;
          // Whatever is still claimed under this instance (completions not committed) is
          // released by the next sweep of any instance instead of after the lease.
          await deregisterInstance(db, lease.owner).catch((error: unknown) => {
            logFailure(
              deps.logger,
              'warn',
              error,
              {},
              'removing the instance lease failed: it lapses',
            );
          });
          await unlisten?.();
        })(),
      );
      if (!ended) deps.logger.error({}, 'database did not answer at stop: the lease lapses');
      const left = removals.pending();
      if (left.length > 0 || removals.isStartPending()) {
        deps.logger.warn(
          { targets: left, startSearchDone: !removals.isStartPending() },
          'waiting jobs of removed targets not dead-lettered at stop: they stay in the database',
        );
      }
    },
  };
}

/** The lease must outlast the longest attempt plus a heartbeat (also after a reload). */
function assertLeaseCovers(settings: DurableSettings, targets: ReadonlyMap<string, Target>): void {
  const maxTimeoutMs = Math.max(0, ...[...targets.values()].map((t) => t.timeoutMs));
  if (!leaseCoversAttempt(settings.leaseMs, maxTimeoutMs, settings.heartbeatMs)) {
    throw new Error(
      `durable lease ${settings.leaseMs} ms must exceed the longest attempt timeout plus a heartbeat`,
    );
  }
}
