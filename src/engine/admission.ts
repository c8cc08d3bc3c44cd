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
  /**
   * Its attempts are paced by a rate (its `rate_limit`, or throttling after a 429): its
   * backlog drains at that rate, however many workers are free.
   */
  isThrottled(target: string): boolean;
  /** Enabled targets: with one, there is no other to keep room for, and the share is the lane. */
  enabledCount: number;
}

/** Why a job beyond its target's share was dead-lettered at admission (job-errors.ts). */
export type OverflowCause = 'failing' | 'throttled';

/** A target's share of a lane that is full: `held` jobs of at most `limit`. */
export interface FullShare {
  target: string;
  held: number;
  limit: number;
}

export type AdmissionPlan<J> =
  /**
   * `overflowed`: jobs of failing or throttled targets beyond their share, dead-lettered now
   * (replayable); `causes`: why, per target of those jobs.
   */
  | { ok: true; accepted: J[]; overflowed: J[]; causes: ReadonlyMap<string, OverflowCause> }
  /**
   * Does not fit now: the caller answers 503 with Retry-After (Alertmanager retries it).
   * `share`: a target's share of the lane is what is full; absent, the lane itself.
   */
  | { ok: false; code: 'queue_full'; priority: Priority; share?: FullShare }
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
 * Admission and Isolation). A target may fill at most its share of a lane. Beyond it:
 * - the jobs of a failing target (breaker not closed) overflow to the DLQ at once;
 * - the jobs of a throttled target (isThrottled) overflow when the batch has jobs of other
 *   targets that fit: its backlog drains at its rate whatever Alertmanager does, so a 503
 *   would only hold the others' alerts hostage behind it. A batch of its jobs alone is refused
 *   (queue_full, naming it): there the 503 is the push-back its sender should get;
 * - a busy target (neither) never loses jobs that way: the whole batch is refused (queue_full,
 *   naming it) and retried by its sender.
 * So one dead or throttled target cannot make the service refuse alerts for the others. The
 * batch is judged on the jobs it will hold (overflowed ones do not count against the lane).
 * O(jobs + lanes).
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
  const throttledOver: J[] = [];
  const causes = new Map<string, OverflowCause>();
  const taken = countsByLane();
  const perLane: Record<Priority, number> = { high: 0, medium: 0, low: 0 };
  let busy: { priority: Priority; share: FullShare } | undefined;
  let throttledFull: { priority: Priority; share: FullShare } | undefined;
  for (const job of jobs) {
    const takenOfLane = taken[job.priority];
    const holds = held.ofTarget(job.priority, job.target) + (takenOfLane.get(job.target) ?? 0);
    const limit = shareLimit(settings, job.priority, health.enabledCount);
    if (holds + 1 > limit) {
      const full = { priority: job.priority, share: { target: job.target, held: holds, limit } };
      if (health.isFailing(job.target)) {
        overflowed.push(job);
        causes.set(job.target, 'failing');
        continue;
      }
      if (health.isThrottled(job.target)) {
        throttledOver.push(job);
        throttledFull ??= full;
        continue;
      }
      busy ??= full;
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
  if (throttledFull !== undefined) {
    const over = new Set(throttledOver.map((job) => job.target));
    if (!accepted.some((job) => !over.has(job.target))) {
      return { ok: false, code: 'queue_full', ...throttledFull };
    }
    overflowed.push(...throttledOver);
    for (const target of over) causes.set(target, 'throttled');
  }
  return { ok: true, accepted, overflowed, causes };
}

/** Jobs per target, per lane. */
export function countsByLane(): Record<Priority, Map<string, number>> {
  return { high: new Map(), medium: new Map(), low: new Map() };
}

/** One more job of `target` in `counts`. */
export function bump(counts: Map<string, number>, target: string): void {
  counts.set(target, (counts.get(target) ?? 0) + 1);
}
