import type { QueueMode } from '../domain/job.js';
import { PRIORITIES } from '../domain/job.js';
import type { Metrics } from '../metrics/metrics.js';
import type { QueueStatus } from './publishing-engine.js';

/**
 * The queue gauges set on scrape from an engine's status (both queue modes). O(lanes).
 * Labelled with the mode: every durable instance reports the same database-wide numbers, so a
 * dashboard sums memory mode's and takes the max of durable mode's (docs/metrics.md).
 */
export function setQueueGauges(metrics: Metrics, mode: QueueMode, status: QueueStatus): void {
  for (const priority of PRIORITIES) {
    const lane = status.lanes[priority];
    metrics.queueJobs.set({ priority, state: 'queued', mode }, lane.queued);
    metrics.queueJobs.set({ priority, state: 'retrying', mode }, lane.retrying);
    metrics.queueJobs.set({ priority, state: 'failed', mode }, lane.failed);
    metrics.oldestDueJobAge.set({ priority, mode }, lane.oldestDueAgeMs / 1000);
  }
  metrics.workersBusy.set(status.busyWorkers);
}

/**
 * target_rate_per_second per target: the rate in force (configured, or throttled on 429);
 * a target sent to without a limit has no series.
 */
export function setRateGauges(
  metrics: Metrics,
  targets: Iterable<string>,
  rateOf: (target: string) => number | undefined,
): void {
  for (const target of targets) {
    const rate = rateOf(target);
    if (rate === undefined) metrics.targetRate.remove({ target });
    else metrics.targetRate.set({ target }, rate);
  }
}
