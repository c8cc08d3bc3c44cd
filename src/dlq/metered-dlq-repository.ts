import type { Clock, Logger } from '../domain/clock.js';
import type { Metrics } from '../metrics/metrics.js';
import type { DlqRepository } from './dlq-repository.js';

export type DlqMetrics = Pick<Metrics, 'dlqEntries' | 'dlqReplays' | 'onCollect'>;

/** How stale `alert_publisher_dlq_entries` may get before a scrape triggers a recount. */
export const DEFAULT_ENTRIES_RECOUNT_MS = 60_000;

/**
 * Keeps `alert_publisher_dlq_entries` and `alert_publisher_dlq_replays_total{result}` current
 * around a repository. The gauge moves with this process's inserts, deletes and purges at
 * once, and is reset to an exact `count(*)` (O(table), one index-only scan) at start and on a
 * scrape when the last count is older than `recountMs`: that corrects what other writers
 * (durable mode's completions, another instance, the CLI) did. Replays count `submitted` when
 * a replay job is recorded, then `succeeded` or `failed` with the job's outcome.
 */
export function meterDlqRepository(
  repo: DlqRepository,
  options: { metrics: DlqMetrics; clock: Clock; logger: Logger; recountMs?: number },
): DlqRepository {
  const { metrics, clock, logger } = options;
  const recountMs = options.recountMs ?? DEFAULT_ENTRIES_RECOUNT_MS;
  let countedAt = Number.NEGATIVE_INFINITY;
  let counting = false;

  function recount(): void {
    counting = true;
    countedAt = clock.now();
    repo.count().then(
      (total) => {
        metrics.dlqEntries.set(total);
        counting = false;
      },
      (error: unknown) => {
        counting = false;
        logger.warn({ err: error }, 'cannot count DLQ entries for alert_publisher_dlq_entries');
      },
    );
  }
  metrics.onCollect(() => {
    if (!counting && clock.now() - countedAt >= recountMs) recount();
  });
  recount();

  return {
    ...repo,
    async write(letters) {
      metrics.dlqEntries.inc(await repo.insert(letters));
    },
    async insert(letters) {
      const inserted = await repo.insert(letters);
      metrics.dlqEntries.inc(inserted);
      return inserted;
    },
    async remove(id) {
      const removed = await repo.remove(id);
      if (removed) metrics.dlqEntries.dec();
      return removed;
    },
    async purge(olderThanMs) {
      const deleted = await repo.purge(olderThanMs);
      metrics.dlqEntries.dec(deleted);
      return deleted;
    },
    async recordReplayJob(id, jobId) {
      const recorded = await repo.recordReplayJob(id, jobId);
      if (recorded) metrics.dlqReplays.inc({ result: 'submitted' });
      return recorded;
    },
    async recordReplayOutcome(id, jobId, result) {
      const recorded = await repo.recordReplayOutcome(id, jobId, result);
      if (recorded) metrics.dlqReplays.inc({ result });
      return recorded;
    },
  };
}
