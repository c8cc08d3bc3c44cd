import type { Priority } from '../../domain/job.js';
import type { EngineConfig } from '../engine-config.js';
import type { LaneStatus, QueueStatus } from '../publishing-engine.js';
import type { LaneCount } from './read-jobs.js';

/**
 * status() from the lane counts the heartbeat last read (whole cluster, at most one heartbeat
 * old) and this instance's workers. A lane's size is its waiting jobs (queued + retrying), what
 * admission counts; `inFlight` is claimed jobs of every instance.
 */
export function engineStatus(
  counts: readonly LaneCount[],
  config: EngineConfig,
  busyWorkers: number,
  stopping: boolean,
  nowMs: number,
  instance: string,
): QueueStatus {
  let retrying = 0;
  let inFlight = 0;
  const lane = (priority: Priority): LaneStatus => {
    const count = counts.find((c) => c.priority === priority);
    const queued = count?.queued ?? 0;
    const laneRetrying = count?.retrying ?? 0;
    retrying += laneRetrying;
    inFlight += count?.processing ?? 0;
    const oldest = count?.oldestDueAt ?? null;
    return {
      size: queued + laneRetrying,
      capacity: config.capacity[priority],
      queued,
      retrying: laneRetrying,
      failed: 0,
      oldestDueAgeMs: oldest === null ? 0 : Math.max(0, nowMs - oldest.getTime()),
    };
  };
  const lanes: Record<Priority, LaneStatus> = {
    high: lane('high'),
    medium: lane('medium'),
    low: lane('low'),
  };
  return { lanes, retrying, inFlight, workers: config.workers, busyWorkers, stopping, instance };
}
