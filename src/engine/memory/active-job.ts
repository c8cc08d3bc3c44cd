import type { Job, JobSnapshot, Priority } from '../../domain/job.js';
import type { JobRequest, TargetJobs } from '../publishing-engine.js';
import type { Target } from '../../domain/target.js';
import type { Breaker } from '../breaker.js';
import { Deque } from '../deque.js';
import type { TargetMeters } from '../target-meters.js';
import { RateLimiter } from '../rate-limiter.js';
import { withTargetWait } from '../target-wait.js';
import type { AlertState } from '../../domain/alert-state.js';
import { alertStateOf } from '../../domain/alert-state.js';

/** Where a job sits in the scheduler. */
export type Placement = 'chained' | 'ready' | 'delayed' | 'running' | 'out';

/**
 * An active job and its scheduling data in one object: the engine's record of a job from
 * admission until it ends (one allocation per job, no closures). The status store tracks it
 * as the Job it is.
 */
export interface ActiveJob extends Job {
  slot: TargetSlot;
  /** The next job of the same (target, fingerprint), submitted after this one. */
  chainNext: ActiveJob | undefined;
  /** In a chain (from admission until it succeeds, fails for good or is superseded). */
  chained: boolean;
  /** When the job last became due (aging, queue_wait). */
  readyAt: number;
  /** When a delayed job becomes due. */
  dueAt: number;
  /** Submission order, the tie-breaker everywhere. */
  seq: number;
  placement: Placement;
  /** The running attempt is the breaker's half-open probe. */
  isProbe: boolean;
  /** The running attempt waits for its target past the job's retries (outcome-decision.ts). */
  waitsPastRetries: boolean;
  /** Its alert's state, compared by the latest-state rule. */
  alertState: AlertState;
  /**
   * The retry it waits for spends one of max_retries (not after a 429): `retries` counts it
   * when it starts, so a job that never gets that retry (stop, removal) does not count it.
   */
  isRetryCounted: boolean;
}

/** A `queued` job admitted at `now`, not yet placed in the scheduler. */
export function newActiveJob(
  request: JobRequest,
  slot: TargetSlot,
  priority: Priority,
  id: string,
  seq: number,
  now: number,
): ActiveJob {
  return {
    id,
    alert: request.alert,
    classification: request.classification,
    target: request.target,
    priority,
    state: 'queued',
    attempts: 0,
    retries: 0,
    submittedAt: now,
    updatedAt: now,
    // Every optional key present from the start: one object shape, no `delete` later.
    startedAt: undefined,
    completedAt: undefined,
    lastAttemptAt: undefined,
    nextAttemptAt: undefined,
    lastError: undefined,
    replayOf: request.replayOf,
    supersededBy: undefined,
    history: [],
    slot,
    chainNext: undefined,
    chained: false,
    readyAt: now,
    dueAt: now,
    seq,
    placement: 'chained',
    isProbe: false,
    waitsPastRetries: false,
    alertState: alertStateOf(request.alert),
    isRetryCounted: false,
  };
}

/**
 * A job as the job API shows it: with its wait for a down target when it is one of the
 * `active` jobs (target-wait.ts); a job no longer active waits for nothing.
 */
export function shownJob(
  snapshot: JobSnapshot,
  active: ReadonlyMap<string, ActiveJob>,
): JobSnapshot {
  const job = active.get(snapshot.id);
  if (job === undefined) return snapshot;
  return withTargetWait(snapshot, job.isRetryCounted, job.slot.target.retry);
}

/** The jobs of one (target, fingerprint) in submission order, linked through `chainNext`. */
export interface Chain {
  head: ActiveJob;
  tail: ActiveJob;
}

/**
 * Per-target scheduling state: its ready jobs per lane, attempts in flight, breaker and rate.
 * A target removed by a config reload keeps its slot until its last job has left.
 */
export interface TargetSlot {
  target: Target;
  readonly breaker: Breaker;
  limiter: RateLimiter;
  inFlight: number;
  ready: Record<Priority, Deque<ActiveJob>>;
  /** Jobs of this target counted against each lane (the per_target_share check). */
  held: Record<Priority, number>;
  meters: TargetMeters;
  chains: Map<string, Chain>;
  /** Removed from the config (reload): admits nothing, its waiting jobs were dead-lettered. */
  removed: boolean;
}

export function createSlot(
  target: Target,
  breaker: Breaker,
  meters: TargetMeters,
  now: number,
): TargetSlot {
  return {
    target,
    breaker,
    limiter: new RateLimiter(target.rateLimit, now),
    inFlight: 0,
    ready: { high: new Deque(), medium: new Deque(), low: new Deque() },
    held: { high: 0, medium: 0, low: 0 },
    meters,
    chains: new Map(),
    removed: false,
  };
}

/**
 * The active jobs of a target's slot (PublishingEngine.targetJobs): its held jobs, the oldest
 * being the oldest chain head (a chain holds its jobs in submission order). O(its chains).
 */
export function jobsOfSlot(slot: TargetSlot | undefined): TargetJobs {
  if (slot === undefined) return { active: 0 };
  let oldest: number | undefined;
  for (const { head } of slot.chains.values()) {
    if (oldest === undefined || head.submittedAt < oldest) oldest = head.submittedAt;
  }
  const active = slot.held.high + slot.held.medium + slot.held.low;
  return oldest === undefined ? { active } : { active, oldestSubmittedAt: oldest };
}
