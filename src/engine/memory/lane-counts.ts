import type { JobState, Priority } from '../../domain/job.js';
import { PRIORITIES } from '../../domain/job.js';

/** The states a lane reports; `processing` jobs also hold their lane slot but are in flight. */
export const LANE_STATES = ['queued', 'retrying', 'failed'] as const;
export type LaneState = (typeof LANE_STATES)[number];

function isLaneState(state: JobState): state is LaneState {
  return state === 'queued' || state === 'retrying' || state === 'failed';
}

/**
 * Per-lane job counts. `held` is what admission checks: a job holds its lane slot from
 * admission until it succeeds or its dead letter is stored (processing included, so a
 * failed attempt coming back as a retry never overfills the lane).
 */
export class LaneCounts {
  readonly held: Record<Priority, number> = { high: 0, medium: 0, low: 0 };
  readonly byState: Record<Priority, Record<LaneState, number>> = {
    high: { queued: 0, retrying: 0, failed: 0 },
    medium: { queued: 0, retrying: 0, failed: 0 },
    low: { queued: 0, retrying: 0, failed: 0 },
  };

  move(lane: Priority, from: JobState | undefined, to: JobState): void {
    const counts = this.byState[lane];
    if (from !== undefined && isLaneState(from)) counts[from] -= 1;
    if (isLaneState(to)) counts[to] += 1;
  }

  total(state: LaneState): number {
    let sum = 0;
    for (const lane of PRIORITIES) sum += this.byState[lane][state];
    return sum;
  }
}
