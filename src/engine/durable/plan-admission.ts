import type { Priority } from '../../domain/job.js';
import { PRIORITIES } from '../../domain/job.js';
import type { EngineConfig } from '../engine-config.js';

/** Active jobs (queued, processing, retrying) per lane and target, as the counts table holds them. */
export type WaitingCounts = ReadonlyMap<Priority, ReadonlyMap<string, number>>;

export interface Admittable {
  target: string;
  priority: Priority;
}

export type AdmissionPlan<J> =
  { ok: true; accepted: J[]; overflowed: J[] } | { ok: false; priority: Priority };

/**
 * All-or-nothing per call (docs/how-it-works.md): a target may fill at most `perTargetShare` of a lane (its
 * jobs beyond that are dead-lettered as `overflow`), and the rest must fit in every lane at once.
 */
export function planAdmission<J extends Admittable>(
  jobs: readonly J[],
  waiting: WaitingCounts,
  settings: Pick<EngineConfig, 'capacity' | 'perTargetShare'>,
): AdmissionPlan<J> {
  const accepted: J[] = [];
  const overflowed: J[] = [];
  const perTarget = new Map<string, number>();
  const perLane = new Map<Priority, number>();
  for (const job of jobs) {
    const lane = waiting.get(job.priority);
    const capacity = settings.capacity[job.priority];
    const shareLimit = Math.max(1, Math.floor(capacity * settings.perTargetShare));
    const key = `${job.priority}\u0000${job.target}`;
    const targetCount = (perTarget.get(key) ?? lane?.get(job.target) ?? 0) + 1;
    perTarget.set(key, targetCount);
    if (targetCount > shareLimit) {
      overflowed.push(job);
      continue;
    }
    accepted.push(job);
    perLane.set(job.priority, (perLane.get(job.priority) ?? 0) + 1);
  }
  for (const priority of PRIORITIES) {
    const adding = perLane.get(priority) ?? 0;
    if (adding === 0) continue;
    let size = 0;
    for (const count of waiting.get(priority)?.values() ?? []) size += count;
    if (size + adding > settings.capacity[priority]) return { ok: false, priority };
  }
  return { ok: true, accepted, overflowed };
}
