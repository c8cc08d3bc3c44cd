import type { Priority } from '../../domain/job.js';
import type { EngineConfig } from '../engine-config.js';
import type { LaneStatus, QueueStatus, TargetJobs } from '../publishing-engine.js';
import type { LaneCount } from './read-jobs.js';

/**
 * status() from the counts per lane and target the heartbeat last read (whole cluster, at most
 * one heartbeat old) and this instance's workers. A lane's size is its waiting jobs (queued +
 * retrying), what admission counts; `inFlight` is claimed jobs of every instance.
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
    let queued = 0;
    let laneRetrying = 0;
    let oldest: Date | null = null;
    for (const count of counts) {
      if (count.priority !== priority) continue;
      queued += count.queued;
      laneRetrying += count.retrying;
      inFlight += count.processing;
      const due = count.oldestDueAt;
      if (due !== null && (oldest === null || due < oldest)) oldest = due;
    }
    retrying += laneRetrying;
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

/**
 * A target's active jobs (PublishingEngine.targetJobs) from the same counts: its waiting and
 * claimed jobs of every lane and instance, at most one heartbeat old.
 */
export function targetJobsOf(counts: readonly LaneCount[], target: string): TargetJobs {
  let active = 0;
  let oldest: number | undefined;
  for (const count of counts) {
    if (count.target_name !== target) continue;
    active += count.queued + count.retrying + count.processing;
    const submitted = count.oldestSubmittedAt.getTime();
    if (oldest === undefined || submitted < oldest) oldest = submitted;
  }
  return oldest === undefined ? { active } : { active, oldestSubmittedAt: oldest };
}
