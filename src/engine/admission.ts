import type { Priority } from '../domain/job.js';
import { PRIORITIES } from '../domain/job.js';
import type { SubmitResult } from './publishing-engine.js';

/**
 * All-or-nothing admission of one submit() call: the jobs each lane would get against what the
 * lane holds. A batch larger than a whole lane can never fit (batch_too_large); one that does
 * not fit now is refused with a Retry-After (queue_full). O(lanes).
 */
export function refusal(
  wanted: Readonly<Record<Priority, number>>,
  held: Readonly<Record<Priority, number>>,
  capacity: Readonly<Record<Priority, number>>,
  retryAfterMs: number,
): SubmitResult | undefined {
  for (const lane of PRIORITIES) {
    const size = wanted[lane];
    if (size === 0) continue;
    const laneCapacity = capacity[lane];
    if (size > laneCapacity) {
      return { ok: false, code: 'batch_too_large', priority: lane, capacity: laneCapacity, size };
    }
    if (held[lane] + size > laneCapacity) {
      return { ok: false, code: 'queue_full', priority: lane, retryAfterMs };
    }
  }
  return undefined;
}

/** Jobs of one target a lane may hold before its new jobs overflow (per_target_share). */
export function shareLimit(share: number, laneCapacity: number): number {
  return Math.max(1, Math.floor(share * laneCapacity));
}
