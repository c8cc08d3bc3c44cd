import { logFailure } from '../db/database-unavailable.js';
import type { Clock, Logger } from '../domain/clock.js';
import type { Metrics } from '../metrics/metrics.js';
import type { DlqRepository } from './dlq-repository.js';

export type DlqMetrics = Pick<Metrics, 'dlqEntries' | 'dlqReplays' | 'onCollect'>;

/** How stale `alert_publisher_dlq_entries` may get before a scrape triggers a recount. */
export const DEFAULT_ENTRIES_RECOUNT_MS = 60_000;

/** A metered repository, told also of letters this process committed past it. */
export interface MeteredDlqRepository extends DlqRepository {
  /** `count` letters were committed in a transaction of durable mode's engine. */
  committed(count: number): void;
}

/**
 * Keeps `alert_publisher_dlq_entries{replayed}` and `alert_publisher_dlq_replays_total{result}`
 * current around a repository. The gauge moves at once with this process's inserts (waiting,
 * also the letters durable mode's engine commits with its jobs: `committed`), replay claims (waiting → replayed) and their releases (back). Deletes and purges take rows of
 * either kind, so they recount: an exact count per kind (O(table), an index-only scan of each
 * partial index), also run at start and on a scrape when the last count is older than
 * `recountMs`, which corrects what other writers (another instance, the CLI) did, and the rare takeover of a dead process's stale claim (counted as a
 * claim of a waiting entry). Replays count `submitted` when a replay job is recorded, then
 * `succeeded` or `failed` with the job's outcome.
 */
export function meterDlqRepository(
  repo: DlqRepository,
  options: { metrics: DlqMetrics; clock: Clock; logger: Logger; recountMs?: number },
): MeteredDlqRepository {
  const { metrics, clock, logger } = options;
  const recountMs = options.recountMs ?? DEFAULT_ENTRIES_RECOUNT_MS;
  const waiting = metrics.dlqEntries.labels({ replayed: 'false' });
  const replayed = metrics.dlqEntries.labels({ replayed: 'true' });
  let countedAt = Number.NEGATIVE_INFINITY;
  let counting = false;
  /** A recount was asked for while one ran: its result may predate the change. */
  let again = false;

  function recount(): void {
    if (counting) {
      again = true;
      return;
    }
    counting = true;
    again = false;
    countedAt = clock.now();
    repo.count().then(
      (counts) => {
        waiting.set(counts.unreplayed);
        replayed.set(counts.replayed);
        counting = false;
        if (again) recount();
      },
      (error: unknown) => {
        counting = false;
        logFailure(
          logger,
          'warn',
          error,
          {},
          'cannot count DLQ entries for alert_publisher_dlq_entries',
        );
      },
    );
  }
  metrics.onCollect(() => {
    if (!counting && clock.now() - countedAt >= recountMs) recount();
  });
  recount();

  return {
    ...repo,
    committed(count) {
      waiting.inc(count);
      // A recount in flight may have read the table before this commit.
      if (counting) again = true;
    },
    async write(letters) {
      waiting.inc(await repo.insert(letters));
    },
    async insert(letters) {
      const inserted = await repo.insert(letters);
      waiting.inc(inserted);
      return inserted;
    },
    async remove(id) {
      const removed = await repo.remove(id);
      if (removed) recount();
      return removed;
    },
    async purge(olderThanMs) {
      const deleted = await repo.purge(olderThanMs);
      if (deleted > 0) recount();
      return deleted;
    },
    async claimReplay(id) {
      const entry = await repo.claimReplay(id);
      if (entry !== undefined) {
        waiting.dec();
        replayed.inc();
      }
      return entry;
    },
    async releaseReplay(id, claimedAt) {
      const released = await repo.releaseReplay(id, claimedAt);
      if (released) {
        replayed.dec();
        waiting.inc();
      }
      return released;
    },
    async releaseStaleClaims() {
      const released = await repo.releaseStaleClaims();
      replayed.dec(released);
      waiting.inc(released);
      return released;
    },
    async recordReplayJob(id, jobId) {
      const recorded = await repo.recordReplayJob(id, jobId);
      if (recorded) metrics.dlqReplays.inc({ result: 'submitted' });
      return recorded;
    },
    async claimReplays(ids) {
      const entries = await repo.claimReplays(ids);
      waiting.dec(entries.length);
      replayed.inc(entries.length);
      return entries;
    },
    async releaseReplays(ids, claimedAt) {
      const released = await repo.releaseReplays(ids, claimedAt);
      replayed.dec(released);
      waiting.inc(released);
      return released;
    },
    async recordReplayJobs(jobs) {
      const recorded = await repo.recordReplayJobs(jobs);
      if (recorded > 0) metrics.dlqReplays.inc({ result: 'submitted' }, recorded);
      return recorded;
    },
    async recordReplayOutcome(id, jobId, result) {
      const recorded = await repo.recordReplayOutcome(id, jobId, result);
      if (recorded) metrics.dlqReplays.inc({ result });
      return recorded;
    },
  };
}
