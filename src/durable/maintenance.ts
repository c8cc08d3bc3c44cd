import type { Clock, Logger } from '../domain/clock.js';
import type { Db } from '../db/db.js';
import type { Target } from '../domain/target.js';
import type { DurableSettings } from './durable-config.js';
import type { ExpiredRow } from './expire-open-circuit-jobs.js';
import { expireOpenCircuitJobs } from './expire-open-circuit-jobs.js';
import type { Holdings } from './holdings.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';
import { reapExpiredLeases, renewLeases } from './leases.js';
import { purgeFinished } from './purge-finished.js';
import type { LaneCount } from './read-jobs.js';
import { countLanes } from './read-jobs.js';

export interface MaintenanceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  settings: DurableSettings;
  holdings: Holdings;
  onLaneCounts: (counts: LaneCount[]) => void;
  /** A lease was lost: its attempt is aborted and its job dropped from this instance. */
  onLeaseLost: (ids: string[]) => void;
  onReaped: (count: number) => void;
  /** Targets whose breaker (of this instance) is open now. */
  openTargets: () => Target[];
  insertDeadLetters: DeadLetterInsert;
  onCircuitExpired: (rows: ExpiredRow[]) => void;
}

/**
 * Every heartbeat: renew the leases held (a job missing from the answer was reaped: abort
 * it; when the renewal itself fails, jobs whose lease would lapse before the next heartbeat
 * are given up too, so a live instance never attempts past its lease), return expired leases
 * of dead instances to waiting, dead-letter waiting jobs of open targets past max_job_age
 * (`circuit_open`), refresh the lane counts; every purge interval: retention.
 */
export async function runMaintenance(deps: MaintenanceDeps, signal: AbortSignal): Promise<void> {
  // Two loops, so that a slow count or purge never delays a lease renewal.
  await Promise.all([keepLeases(deps, signal), keepHouse(deps, signal)]);
}

async function keepLeases(deps: MaintenanceDeps, signal: AbortSignal): Promise<void> {
  const { settings, clock, holdings } = deps;
  while (!signal.aborted) {
    const now = clock.now();
    const ids = [...holdings.byId.keys()];
    try {
      const kept = await renewLeases(deps.db, settings.instanceId, ids, now + settings.leaseMs);
      const lost = ids.filter((id) => !kept.has(id) && holdings.byId.has(id));
      for (const id of kept) {
        const held = holdings.byId.get(id);
        if (held !== undefined) held.leaseUntilMs = now + settings.leaseMs;
      }
      if (lost.length > 0) deps.onLeaseLost(lost);
    } catch (error: unknown) {
      deps.logger.error({ err: error, held: ids.length }, 'renewing leases failed');
      const lapsing = [...holdings.byId.values()]
        .filter((held) => held.leaseUntilMs <= now + settings.heartbeatMs)
        .map((held) => held.job.id);
      if (lapsing.length > 0) deps.onLeaseLost(lapsing);
    }
    await step(deps, 'sweeping expired leases', async () => {
      const reaped = await reapExpiredLeases(deps.db, now, 1_000);
      if (reaped > 0) deps.onReaped(reaped);
    });
    await pause(clock, settings.heartbeatMs, signal);
  }
}

async function keepHouse(deps: MaintenanceDeps, signal: AbortSignal): Promise<void> {
  const { settings, clock } = deps;
  let lastPurgeMs = clock.now();
  while (!signal.aborted) {
    const now = clock.now();
    await step(deps, 'expiring jobs of open circuits', async () => {
      const expired = await expireOpenCircuitJobs(
        deps.db,
        deps.openTargets(),
        now,
        settings.purgeBatch,
        deps.insertDeadLetters,
      );
      if (expired.length > 0) deps.onCircuitExpired(expired);
    });
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
    deps.logger.error({ err: error }, `${what} failed`);
  }
}
