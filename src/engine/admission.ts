import type { Priority } from '../domain/job.js';
import { PRIORITIES } from '../domain/job.js';
import type { EngineConfig } from './engine-config.js';

/** What admission reads of a job to create. */
export interface Admittable {
  target: string;
  priority: Priority;
}

/**
 * The jobs an engine holds now (queued, processing, retrying, waiting for their dead-letter
 * write), per lane and per (lane, target). Memory mode counts them in the process; durable mode
 * reads them from publishing_job_counts under the admission lock.
 */
export interface HeldCounts {
  inLane(priority: Priority): number;
  ofTarget(priority: Priority, target: string): number;
}

export type AdmissionSettings = Pick<EngineConfig, 'capacity' | 'perTargetShare'>;

/** What admission knows of the targets beyond the counts. */
export interface TargetHealth {
  /** Its breaker is open or half open: it cannot take work now. */
  isFailing(target: string): boolean;
  /** Enabled targets: with one, there is no other to keep room for, and the share is the lane. */
  enabledCount: number;
}

export type AdmissionPlan<J> =
  /** `overflowed`: jobs of failing targets beyond their share, dead-lettered now (replayable). */
  | { ok: true; accepted: J[]; overflowed: J[] }
  /**
   * Does not fit now: the caller answers 503 with Retry-After (Alertmanager retries it).
   * `target`: its share of the lane is what is full; absent, the lane itself.
   */
  | { ok: false; code: 'queue_full'; priority: Priority; target?: string }
  /**
   * Could never fit, even in empty lanes (413). `target`: more jobs of that target than its
   * share of the lane (`capacity` is the share); absent, more than the whole lane.
   */
  | {
      ok: false;
      code: 'batch_too_large';
      priority: Priority;
      capacity: number;
      size: number;
      target?: string;
    };

/** Jobs of one target a lane may hold (queue.per_target_share of it, at least 1). */
export function shareLimit(
  settings: AdmissionSettings,
  priority: Priority,
  enabledTargets: number,
): number {
  const capacity = settings.capacity[priority];
  if (enabledTargets <= 1) return capacity;
  return Math.max(1, Math.floor(settings.perTargetShare * capacity));
}

/**
 * Admission of one submit() call, all or nothing, for both queue modes (docs/how-it-works.md,
 * Admission). A target may fill at most its share of a lane. Beyond it, the jobs of a failing
 * target (breaker not closed) overflow to the DLQ at once, so one dead target cannot make the
 * service refuse alerts for the others; a healthy but busy target never loses jobs that way: the
 * whole batch is refused (queue_full) and retried by its sender. The batch is judged on the jobs
 * it will hold (overflowed ones do not count against the lane). O(jobs + lanes).
 */
export function planAdmission<J extends Admittable>(
  jobs: readonly J[],
  held: HeldCounts,
  settings: AdmissionSettings,
  health: TargetHealth,
): AdmissionPlan<J> {
  const inBatch = countsByLane();
  for (const job of jobs) bump(inBatch[job.priority], job.target);
  for (const job of jobs) {
    const size = inBatch[job.priority].get(job.target) ?? 0;
    const limit = shareLimit(settings, job.priority, health.enabledCount);
    if (size > limit && !health.isFailing(job.target)) {
      const { priority, target } = job;
      // With one enabled target the share is the whole lane: no target to name.
      const share = health.enabledCount > 1 ? { target } : {};
      return { ok: false, code: 'batch_too_large', priority, capacity: limit, size, ...share };
    }
  }

  const accepted: J[] = [];
  const overflowed: J[] = [];
  const taken = countsByLane();
  const perLane: Record<Priority, number> = { high: 0, medium: 0, low: 0 };
  let busy: { priority: Priority; target: string } | undefined;
  for (const job of jobs) {
    const takenOfLane = taken[job.priority];
    const count = held.ofTarget(job.priority, job.target) + (takenOfLane.get(job.target) ?? 0) + 1;
    if (count > shareLimit(settings, job.priority, health.enabledCount)) {
      if (health.isFailing(job.target)) {
        overflowed.push(job);
        continue;
      }
      busy ??= { priority: job.priority, target: job.target };
    }
    bump(takenOfLane, job.target);
    accepted.push(job);
    perLane[job.priority] += 1;
  }
  for (const priority of PRIORITIES) {
    const capacity = settings.capacity[priority];
    if (perLane[priority] > capacity) {
      return { ok: false, code: 'batch_too_large', priority, capacity, size: perLane[priority] };
    }
  }
  if (busy !== undefined) return { ok: false, code: 'queue_full', ...busy };
  for (const priority of PRIORITIES) {
    if (perLane[priority] === 0) continue;
    if (held.inLane(priority) + perLane[priority] > settings.capacity[priority]) {
      return { ok: false, code: 'queue_full', priority };
    }
  }
  return { ok: true, accepted, overflowed };
}

/** Jobs per target, per lane. */
export function countsByLane(): Record<Priority, Map<string, number>> {
  return { high: new Map(), medium: new Map(), low: new Map() };
}

/** One more job of `target` in `counts`. */
export function bump(counts: Map<string, number>, target: string): void {
  counts.set(target, (counts.get(target) ?? 0) + 1);
}
