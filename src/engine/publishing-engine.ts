import type { Alert, Classification } from '../domain/alert.js';
import type { FailureReason } from '../domain/failure.js';
import type { JobFilter, JobSnapshot, Priority } from '../domain/job.js';
import type { PublishOutcome } from '../domain/publisher.js';
import type { Target } from '../domain/target.js';
import type { AdmissionPlan } from './admission.js';
import type { AlertChain } from './alert-state-store.js';
import type { EngineConfig } from './engine-config.js';
import type { StateOfJob } from './supersession.js';

/** One job to create: an alert for one named target. Routing (matchers) happens before this. */
export interface JobRequest {
  alert: Alert;
  classification?: Classification;
  target: string;
  /** DLQ entry id when this job is a replay. */
  replayOf?: string;
  /**
   * A replay an operator forced although a newer state of the alert is known: the latest-state
   * rule does not apply to it at admission (it is neither superseded nor the newest state).
   */
  force?: boolean;
}

/** Admission is all-or-nothing per call. */
export type SubmitResult =
  | { ok: true; jobIds: string[] }
  /** A lane cannot take the whole batch now: the caller answers 503 with Retry-After. */
  | (Extract<AdmissionPlan<never>, { code: 'queue_full' }> & { retryAfterMs: number })
  /** The batch could never fit, even in empty lanes (413): admission.ts says why. */
  | Extract<AdmissionPlan<never>, { code: 'batch_too_large' }>
  /** stop() was called (503). */
  | { ok: false; code: 'stopping'; retryAfterMs: number }
  /** A named target is not configured (400). Nothing is queued. */
  | { ok: false; code: 'unknown_target'; target: string };

export interface LaneStatus {
  size: number;
  capacity: number;
  queued: number;
  retrying: number;
  failed: number;
  oldestDueAgeMs: number;
}

export interface QueueStatus {
  lanes: Record<Priority, LaneStatus>;
  retrying: number;
  inFlight: number;
  workers: number;
  busyWorkers: number;
  stopping: boolean;
  /** The answering instance's name (durable mode: the owner id its lease holds now). */
  instance: string;
}

export const BREAKER_STATES = ['closed', 'half_open', 'open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

export interface QueueStats {
  /** Counts since start. */
  submitted: number;
  succeeded: number;
  deadLettered: number;
  /** Replaced by a newer state of their alert before delivery (not counted in successRate). */
  superseded: number;
  retried: number;
  attempts: number;
  failedAttempts: number;
  /** succeeded / (succeeded + deadLettered), 1 when nothing has finished. */
  successRate: number;
  deadLetteredByReason: Partial<Record<FailureReason, number>>;
  breakers: Record<string, { state: BreakerState; consecutiveFailures: number; openedAt?: number }>;
}

/**
 * A target's active jobs (admitted, not yet ended: queued, retrying or in flight) and when the
 * oldest of them was submitted (epoch ms; none when it has none).
 */
export interface TargetJobs {
  active: number;
  oldestSubmittedAt?: number;
}

/** What a config reload changed in the engine. */
export interface ReconfigureSummary {
  added: string[];
  removed: string[];
  changed: string[];
  /** Waiting jobs of removed targets, dead-lettered with reason `target_removed`. */
  deadLettered: number;
  /**
   * Removed targets (of this reload or an earlier one) whose waiting jobs are still to be
   * dead-lettered: the database did not answer, the engine retries until it does (durable mode;
   * always empty in memory mode). The reload is in effect all the same.
   */
  deadLetterDeferred: string[];
}

/** A reload's summary before anything is counted. */
export function emptyReconfigureSummary(): ReconfigureSummary {
  return { added: [], removed: [], changed: [], deadLettered: 0, deadLetterDeferred: [] };
}

/** A job finished (succeeded, dead-lettered or superseded); the DLQ uses it to record replay outcomes. */
export type JobFinishedListener = (job: JobSnapshot) => void;

/** The in-process API the HTTP routes and the CLI call. */
export interface PublishingEngine {
  /** Resolves once the jobs are admitted (durable mode: committed to the database). */
  submit(requests: readonly JobRequest[]): Promise<SubmitResult>;
  getJob(id: string): Promise<JobSnapshot | undefined>;
  listJobs(filter: JobFilter): Promise<JobSnapshot[]>;
  /**
   * The newest `limit` jobs of an alert, every target, oldest first (in submission order): what
   * the alert timeline shows. Durable mode: the jobs still in publishing_jobs; memory mode: the
   * jobs of this process still in the job-status store, and its active ones.
   */
  jobsOf(fingerprint: string, limit: number): Promise<JobSnapshot[]>;
  status(): QueueStatus;
  stats(): QueueStats;
  breakerState(target: string): BreakerState;
  /**
   * When the target's breaker opened (epoch ms), while it is open or half open: since when this
   * instance holds its jobs back. Undefined when closed.
   */
  breakerOpenedAt(target: string): number | undefined;
  /**
   * Sends an attempt outside the queue (a target test) as the probe of the target's breaker
   * when it is half open, or open with its time over (Breakers.sendAsProbe).
   */
  sendAsProbe(target: string, send: () => Promise<PublishOutcome>): Promise<PublishOutcome>;
  /**
   * The target's active jobs (TargetJobs); none for a target the engine does not deliver to.
   * Memory mode: this instance's, O(the target's chains); durable mode: every instance's at the
   * last heartbeat, as status() (engine-status.ts).
   */
  targetJobs(target: string): TargetJobs;
  /** The attempts a second a target may get now (its rate_limit, throttled on 429), if limited. */
  targetRate(target: string): number | undefined;
  onJobFinished(listener: JobFinishedListener): void;
  /**
   * The newest state of each (target, fingerprint) of `chains` that was sent or is about to be
   * (queued, in flight or dead-lettered), keyed by chainKey; a pair with none known is absent
   * (docs/alert-state.md). One lookup for the whole batch: durable mode reads
   * publishing_alert_states in one statement (a primary-key probe per pair); memory mode answers
   * from the states it holds and reads the rest from the store in one statement.
   */
  newestStates(chains: readonly AlertChain[]): Promise<Map<string, StateOfJob>>;
  /**
   * A config reload: the targets (added, removed, changed) and the engine's knobs swap at once.
   * An engine is given the targets it delivers to, the enabled ones (app.ts): a disabled target
   * is a removed one here. Jobs of removed targets become dead letters (`target_removed`);
   * attempts in flight finish.
   * Never fails once the swap is made (a database failure defers the dead-lettering), so a
   * reload is applied whole or not at all.
   */
  reconfigure(
    targets: ReadonlyMap<string, Target>,
    config: EngineConfig,
  ): Promise<ReconfigureSummary>;
  /**
   * Stop admitting, finish in-flight attempts, deliver due work until `timeoutMs`, then
   * dead-letter the rest with reason `shutdown` (sink, else fallback). Returns within
   * timeoutMs plus a bounded flush.
   */
  stop(timeoutMs: number): Promise<void>;
}
