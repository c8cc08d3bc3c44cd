import type { Priority } from '../../domain/job.js';
import type { EngineConfig } from '../engine-config.js';
import type { LaneStatus, QueueStatus } from '../publishing-engine.js';
import type { LaneCounts } from './lane-counts.js';

/** status() of the memory engine from its lane counts. O(lanes · targets) for the ages. */
export function queueStatusOf(
  lanes: LaneCounts,
  config: EngineConfig,
  live: {
    oldestDueAgeMs: (lane: Priority) => number;
    inFlight: number;
    stopping: boolean;
    instance: string;
  },
): QueueStatus {
  const laneStatus = (lane: Priority): LaneStatus => {
    const counts = lanes.byState[lane];
    return {
      size: lanes.held[lane],
      capacity: config.capacity[lane],
      queued: counts.queued,
      retrying: counts.retrying,
      failed: counts.failed,
      oldestDueAgeMs: live.oldestDueAgeMs(lane),
    };
  };
  return {
    lanes: { high: laneStatus('high'), medium: laneStatus('medium'), low: laneStatus('low') },
    retrying: lanes.total('retrying'),
    inFlight: live.inFlight,
    workers: config.workers,
    busyWorkers: live.inFlight,
    stopping: live.stopping,
    instance: live.instance,
  };
}
