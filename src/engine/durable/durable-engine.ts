import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';

import type { Db } from '../../db/db.js';
import type { Clock, Logger, Random } from '../../domain/clock.js';
import { PRIORITIES } from '../../domain/job.js';
import type { Target } from '../../domain/target.js';
import type { Metrics } from '../../metrics/metrics.js';
import { Breakers } from '../breakers.js';
import { JobReport } from '../job-report.js';
import { setQueueGauges } from '../queue-gauges.js';
import type { EngineConfig } from '../engine-config.js';
import type { BreakerState, PublishingEngine, QueueStats } from '../publishing-engine.js';
import { createCompletionQueue } from './completion-queue.js';
import { reportCompletion, reportDeadRow } from './report-completions.js';
import type { SubmitDeps } from './submit-jobs.js';
import { submitJobs } from './submit-jobs.js';
import { circuitOpenError } from '../job-errors.js';
import { createDispatcher } from './dispatcher.js';
import type { DurableOptions, DurableSettings } from './durable-config.js';
import { WAKE_CHANNEL, defaultLeaseMs } from './durable-config.js';
import { engineStatus } from './engine-status.js';
import { Holdings } from './holdings.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';
import { dlqInsertOn } from './insert-dead-letters.js';
import { InstanceLease } from './instance-lease.js';
import { deregisterInstance } from './leases.js';
import { runMaintenance } from './maintenance.js';
import { settlesWithin } from '../clock-wait.js';
import type { LaneCount } from './read-jobs.js';
import { listJobRows, readJob } from './read-jobs.js';
import { createWakeSignal } from './wake-signal.js';

/** Subscribes to a NOTIFY channel (a dedicated pg client, or PGlite's listen); returns unlisten. */
export type Listen = (channel: string, onNotify: () => void) => Promise<() => Promise<void>>;

export interface DurableEngineDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  metrics: Metrics;
  targets: ReadonlyMap<string, Target>;
  db: Db;
  config: EngineConfig;
  durable: DurableOptions;
  /** Without it, idle instances notice new jobs at the next poll. */
  listen?: Listen;
  insertDeadLetters?: DeadLetterInsert;
  newId?: () => string;
}

export async function createDurableEngine(deps: DurableEngineDeps): Promise<PublishingEngine> {
  const { clock, config, metrics, db } = deps;
  const maxTimeoutMs = Math.max(0, ...[...deps.targets.values()].map((t) => t.timeoutMs));
  const { heartbeatMs } = deps.durable;
  const settings: DurableSettings = {
    ...deps.durable,
    instanceId:
      deps.durable.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    leaseMs: deps.durable.leaseMs ?? defaultLeaseMs(maxTimeoutMs, heartbeatMs),
  };
  if (settings.leaseMs <= maxTimeoutMs + heartbeatMs) {
    throw new Error(
      `durable lease ${settings.leaseMs} ms must exceed the longest attempt timeout plus a heartbeat`,
    );
  }
  const insert = deps.insertDeadLetters ?? dlqInsertOn(clock);
  const newId = deps.newId ?? randomUUID;
  const holdings = new Holdings();
  const wakeSignal = createWakeSignal(clock);
  const report = new JobReport(metrics, deps.logger);
  const breakers = new Breakers(config.breaker, metrics, deps.logger);
  let laneCounts: LaneCount[] = [];
  // Counting lanes reads every waiting row: done only while someone looks (status, scrape).
  let laneCountsWanted = true;
  let stopping = false;

  const completions = createCompletionQueue({
    db,
    clock,
    logger: deps.logger,
    batchSize: settings.completionBatch,
    insertDeadLetters: insert,
    onFinished: (finished) => {
      const now = clock.now();
      for (const item of finished) {
        holdings.release(item.held.job.id);
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
      deps.logger.error({ err: error }, 'renewing the instance lease failed');
    },
  });
  await lease.register(clock.now());

  const dispatcher = createDispatcher({
    db,
    clock,
    random: deps.random,
    logger: deps.logger,
    metrics,
    targets: deps.targets,
    config,
    settings,
    holdings,
    lease,
    breakers,
    report,
    wakeSignal,
    complete: (held, completion) => completions.add(held, completion),
    isStopping: () => stopping,
  });

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
      laneCountsWanted: () => {
        const wanted = laneCountsWanted;
        laneCountsWanted = false;
        return wanted;
      },
      onLaneCounts: (counts) => {
        laneCounts = counts;
      },
      onReleased: () => wakeSignal.wake(),
      releaseUnheld: (nowMs) => dispatcher.releaseUnheld(nowMs),
      openTargets: () =>
        [...deps.targets.values()].filter((target) => {
          return breakers.state(target.name, clock.now()) === 'open';
        }),
      insertDeadLetters: insert,
      onCircuitExpired: (rows) => {
        const now = clock.now();
        for (const row of rows) reportDeadRow(report, row, circuitOpenError(row.target_name), now);
      },
    },
    maintenanceStop.signal,
  );
  const loop = dispatcher.loop();
  const submitDeps: SubmitDeps = {
    db,
    clock,
    metrics,
    config,
    targets: () => deps.targets,
    breakers,
    report,
    insertDeadLetters: insert,
    newId,
  };

  metrics.workers.set(config.workers);
  for (const priority of PRIORITIES)
    metrics.queueCapacity.set({ priority }, config.capacity[priority]);
  metrics.onCollect(() => {
    laneCountsWanted = true;
    report.flush();
    setQueueGauges(
      metrics,
      engineStatus(laneCounts, config, holdings.running, stopping, clock.now()),
    );
  });

  return {
    async submit(requests) {
      if (stopping)
        return { ok: false, code: 'stopping', retryAfterMs: config.admissionRetryAfterMs };
      const result = await submitJobs(submitDeps, requests);
      if (result.ok) wakeSignal.wake();
      return result;
    },
    getJob: (id) => readJob(db, id),
    listJobs: (filter) => listJobRows(db, filter),
    status: () => {
      laneCountsWanted = true;
      return engineStatus(laneCounts, config, holdings.running, stopping, clock.now());
    },
    stats: (): QueueStats => report.stats(breakers),
    breakerState: (target): BreakerState => breakers.state(target, clock.now()),
    onJobFinished: (listener) => report.onJobFinished(listener),
    async stop(timeoutMs) {
      if (stopping) return;
      stopping = true;
      wakeSignal.wake();
      await loop;
      // Claimed but not started: back to waiting at once, for this or another instance.
      for (const held of holdings.unbuffer(() => true)) {
        completions.add(held, {
          kind: 'release',
          id: held.job.id,
          waitingState: held.job.attempts <= 1 ? 'queued' : 'retrying',
        });
      }
      // In-flight attempts may finish within the stop budget; then they are cut short.
      const finished = dispatcher.attempts();
      if (!(await settlesWithin(clock, timeoutMs, finished))) {
        for (const held of holdings.byId.values()) held.cancel?.();
        await finished;
      }
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
            deps.logger.warn({ err: error }, 'removing the instance lease failed: it lapses');
          });
          await unlisten?.();
        })(),
      );
      if (!ended) deps.logger.error({}, 'database did not answer at stop: the lease lapses');
    },
  };
}
