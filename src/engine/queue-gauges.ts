import { PRIORITIES } from '../domain/job.js';
import type { Metrics } from '../metrics/metrics.js';
import type { QueueStatus } from './publishing-engine.js';

/** The queue gauges set on scrape from an engine's status (both queue modes). O(lanes). */
export function setQueueGauges(metrics: Metrics, status: QueueStatus): void {
  for (const priority of PRIORITIES) {
    const lane = status.lanes[priority];
    metrics.queueJobs.set({ priority, state: 'queued' }, lane.queued);
    metrics.queueJobs.set({ priority, state: 'retrying' }, lane.retrying);
    metrics.queueJobs.set({ priority, state: 'failed' }, lane.failed);
    metrics.oldestDueJobAge.set({ priority }, lane.oldestDueAgeMs / 1000);
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
