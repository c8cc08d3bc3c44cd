import type { FailureReason } from '../../domain/failure.js';
import type { Priority } from '../../domain/job.js';
import { PRIORITIES } from '../../domain/job.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { EngineConfig } from '../engine-config.js';
import type { LaneCounts } from './lane-counts.js';
import type { LaneStatus, QueueStats, QueueStatus } from '../publishing-engine.js';
import type { TargetSlot } from './scheduler.js';

/** Counters since start and the shaping of status() and stats(). */
export class EngineReport {
  submitted = 0;
  succeeded = 0;
  retried = 0;
  attempts = 0;
  failedAttempts = 0;
  private deadLetterCount = 0;
  private readonly byReason: Partial<Record<FailureReason, number>> = {};

  deadLettered(reason: FailureReason): void {
    this.deadLetterCount += 1;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
  }

  status(
    lanes: LaneCounts,
    config: EngineConfig,
    live: { oldestDueAgeMs: (lane: Priority) => number; inFlight: number; stopping: boolean },
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
    };
  }

  stats(slots: Iterable<TargetSlot>): QueueStats {
    const finished = this.succeeded + this.deadLetterCount;
    const breakers: QueueStats['breakers'] = {};
    for (const slot of slots) {
      const { breaker } = slot;
      breakers[slot.target.name] = {
        state: breaker.state,
        consecutiveFailures: breaker.consecutiveFailures,
        ...(breaker.openedAt === undefined ? {} : { openedAt: breaker.openedAt }),
      };
    }
    return {
      submitted: this.submitted,
      succeeded: this.succeeded,
      deadLettered: this.deadLetterCount,
      retried: this.retried,
      attempts: this.attempts,
      failedAttempts: this.failedAttempts,
      successRate: finished === 0 ? 1 : this.succeeded / finished,
      deadLetteredByReason: { ...this.byReason },
      breakers,
    };
  }

  /** Sets the gauges computed on scrape. O(lanes · targets). */
  collect(
    metrics: Metrics,
    lanes: LaneCounts,
    busy: number,
    oldestDueAgeMs: (lane: Priority) => number,
  ): void {
    for (const lane of PRIORITIES) {
      const counts = lanes.byState[lane];
      metrics.queueJobs.set({ priority: lane, state: 'queued' }, counts.queued);
      metrics.queueJobs.set({ priority: lane, state: 'retrying' }, counts.retrying);
      metrics.queueJobs.set({ priority: lane, state: 'failed' }, counts.failed);
      metrics.oldestDueJobAge.set({ priority: lane }, oldestDueAgeMs(lane) / 1000);
    }
    metrics.workersBusy.set(busy);
  }
}
