import { logFailure } from '../../db/database-unavailable.js';
import type { Clock, Logger } from '../../domain/clock.js';
import type { Db } from '../../db/db.js';
import type { JobError } from '../../domain/job.js';
import type { Target } from '../../domain/target.js';
import type { DurableSettings } from './durable-config.js';
import type { DeadRow } from './dead-letter-waiting-jobs.js';
import { deadLetterWaitingJobs } from './dead-letter-waiting-jobs.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';
import type { InstanceLease } from './instance-lease.js';
import { releaseOrphanedJobs } from './leases.js';
import { purgeFinished } from './purge-finished.js';
import type { LaneCount } from './read-jobs.js';
import { countLanes } from './read-jobs.js';
import { reconcileJobCounts } from './reconcile-job-counts.js';

export interface MaintenanceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  settings: DurableSettings;
  lease: InstanceLease;
  onLaneCounts: (counts: LaneCount[]) => void;
  onReleased: (count: number) => void;
  /** Releases rows claimed under this instance but not held (never beside a claim). */
  releaseUnheld: (nowMs: number) => Promise<number>;
  /**
   * Targets whose breaker (of this instance) is not closed now, each with the error of its
   * jobs too old to wait (job-errors.ts, circuitOpenError: it quotes the breaker's last failure).
   */
  failingTargets: () => Array<{ target: Target; error: JobError }>;
  insertDeadLetters: DeadLetterInsert;
  /** Dead-letters the waiting jobs of targets a reload removed, if it could not (retried). */
  deadLetterRemoved: (nowMs: number) => Promise<void>;
  onCircuitExpired: (expired: Array<{ row: DeadRow; error: JobError }>) => void;
}

/**
 * Every heartbeat: renew this instance's lease (see InstanceLease), return claimed jobs of
 * lapsed instances and rows claimed but not held to waiting, dead-letter waiting jobs past
 * max_job_age of targets whose breaker is not closed, open or half open (`circuit_open`, as the
 * memory engine does: docs/how-it-works.md, Circuit breaker), and those of targets a reload
 * removed while the database did not answer (`target_removed`), refresh the lane counts; every
 * purge interval: retention, and the active counts reconciled with the jobs.
 */
export async function runMaintenance(deps: MaintenanceDeps, signal: AbortSignal): Promise<void> {
  // Two loops, so that a slow count or purge never delays a lease renewal.
  await Promise.all([keepLease(deps, signal), keepHouse(deps, signal)]);
}

async function keepLease(deps: MaintenanceDeps, signal: AbortSignal): Promise<void> {
  const { settings, clock } = deps;
  while (!signal.aborted) {
    const now = clock.now();
    await deps.lease.beat(now);
    await step(deps, 'releasing jobs of lapsed instances', async () => {
      const released = await releaseOrphanedJobs(deps.db, now, 1_000);
      if (released > 0) deps.onReleased(released);
    });
    await step(deps, 'releasing jobs claimed but not held', async () => {
      const released = await deps.releaseUnheld(now);
      if (released > 0) {
        deps.logger.warn({ jobs: released }, 'released jobs claimed but never received');
        deps.onReleased(released);
      }
    });
    await pause(clock, settings.heartbeatMs, signal);
  }
}

async function keepHouse(deps: MaintenanceDeps, signal: AbortSignal): Promise<void> {
  const { settings, clock } = deps;
  let lastPurgeMs = clock.now();
  while (!signal.aborted) {
    const now = clock.now();
    await step(deps, 'expiring jobs of failing circuits', async () => {
      const selections = deps.failingTargets().map(({ target, error }) => ({
        target,
        submittedBefore: now - target.retry.maxJobAgeMs,
        error,
      }));
      const expired = await deadLetterWaitingJobs(
        deps.db,
        selections,
        now,
        settings.purgeBatch,
        deps.insertDeadLetters,
      );
      const errors = new Map(selections.map((s) => [s.target.name, s.error]));
      const letters = expired.flatMap((row) => {
        const error = errors.get(row.target_name);
        return error === undefined ? [] : [{ row, error }];
      });
      if (letters.length > 0) deps.onCircuitExpired(letters);
    });
    await step(deps, 'dead-lettering jobs of removed targets', () => deps.deadLetterRemoved(now));
    // Every heartbeat, so status() and the queue gauges are at most one heartbeat old.
    await step(deps, 'counting lanes', async () =>
      deps.onLaneCounts(await countLanes(deps.db, now)),
    );
    if (now - lastPurgeMs >= settings.purgeIntervalMs) {
      lastPurgeMs = now;
      await step(deps, 'purging finished jobs', async () => {
        const deleted = await purgeFinished(
          deps.db,
          now - settings.retentionMs,
          settings.purgeBatch,
        );
        if (deleted > 0) deps.logger.info({ deleted }, 'purged finished jobs past retention');
      });
      await step(deps, 'reconciling active job counts', async () => {
        for (const { priority, target, from, to } of await reconcileJobCounts(deps.db)) {
          deps.logger.warn(
            { priority, target, from, to },
            'active job count did not match the jobs table: corrected',
          );
        }
      });
    }
    await pause(clock, settings.heartbeatMs, signal);
  }
}

function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  // An abort (stop) ends the pause early; both ways the loop re-checks the signal.
  return clock.sleep(ms, signal).then(
    () => undefined,
    () => undefined,
  );
}

async function step(deps: MaintenanceDeps, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error: unknown) {
    logFailure(deps.logger, 'error', error, {}, `${what} failed`);
  }
}
