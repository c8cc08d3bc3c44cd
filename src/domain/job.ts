import type { Alert, Classification } from './alert.js';
import type { ErrorType, FailureReason } from './failure.js';

export const PRIORITIES = ['high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/**
 * Where jobs wait: each instance's own memory, or the database every instance shares (so the
 * queue gauges of durable mode are database-wide: docs/metrics.md).
 */
export const QUEUE_MODES = ['memory', 'durable'] as const;
export type QueueMode = (typeof QUEUE_MODES)[number];

/** What admission made of an offered job (submissions_total{result}). */
export const SUBMISSION_RESULTS = ['accepted', 'rejected'] as const;
export type SubmissionResult = (typeof SUBMISSION_RESULTS)[number];

/**
 * queued → processing → succeeded
 *                     → retrying → processing …
 *                     → failed (dead letter not yet stored) → dlq
 * queued | retrying (or failed after an attempt) → superseded: a newer state of its alert
 * replaced it before it was delivered (docs/alert-state.md).
 * Every job ends in `succeeded`, `dlq` or `superseded`.
 */
export const JOB_STATES = [
  'queued',
  'processing',
  'retrying',
  'succeeded',
  'failed',
  'dlq',
  'superseded',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** The states a job ends in. */
export const FINAL_JOB_STATES = ['succeeded', 'dlq', 'superseded'] as const;
export type FinalJobState = (typeof FINAL_JOB_STATES)[number];

export const FINAL_STATES: ReadonlySet<JobState> = new Set<JobState>(FINAL_JOB_STATES);

export function isFinal(state: JobState): boolean {
  return FINAL_STATES.has(state);
}

/** The last failure of a job; `message` is already redacted. */
export interface JobError {
  type: ErrorType;
  reason: FailureReason;
  status?: number;
  message: string;
}

/**
 * One delivery attempt as the job's history keeps it: when it started, how long it took, and
 * for a failure its HTTP status (if any), reason and redacted message (network errors name
 * their code there).
 */
export interface AttemptRecord {
  at: number;
  durationMs: number;
  status?: number;
  reason?: FailureReason;
  message?: string;
}

/** A job keeps its last attempts, no more (memory stays bounded whatever a target does). */
export const MAX_ATTEMPT_HISTORY = 20;

/**
 * How many attempts of a job have ended, as its history can show them: `attempts` counts the
 * one running too (docs/api.md, job fields). The CLI and the console say how many earlier ones
 * were not kept from this.
 */
export function endedAttempts(job: { attempts: number; state: string | undefined }): number {
  return job.state === 'processing' ? Math.max(0, job.attempts - 1) : job.attempts;
}

/** Appends an attempt to a history, dropping the oldest beyond MAX_ATTEMPT_HISTORY. */
export function recordAttempt(history: AttemptRecord[], attempt: AttemptRecord): void {
  history.push(attempt);
  if (history.length > MAX_ATTEMPT_HISTORY) history.shift();
}

/** One alert for one target. Times are epoch milliseconds from the injected clock. */
export interface Job {
  id: string;
  alert: Alert;
  classification?: Classification;
  target: string;
  priority: Priority;
  state: JobState;
  /** Delivery tries made, 429s included. */
  attempts: number;
  /**
   * Retries made that count against max_retries (a 429's does not), each counted when its
   * attempt starts: a retry still waiting is not in it. Stored as the DLQ's retry_count.
   */
  retries: number;
  submittedAt: number;
  updatedAt: number;
  startedAt?: number;
  completedAt?: number;
  lastAttemptAt?: number;
  nextAttemptAt?: number;
  lastError?: JobError;
  /** DLQ entry id this job replays. */
  replayOf?: string;
  /** The job whose newer state of the alert replaced this one (state `superseded`). */
  supersededBy?: string;
  /** Its last attempts, oldest first (at most MAX_ATTEMPT_HISTORY). */
  history: AttemptRecord[];
}

/** What the job-status store keeps: a job without its alert body. */
export interface JobSnapshot {
  id: string;
  fingerprint: string;
  alertname: string;
  alertStatus: Alert['status'];
  /**
   * Epoch ms of the alert's `startsAt` (which occurrence of the alert this job sends); absent
   * when it does not parse, and for durable rows written before migration 0008.
   */
  alertStartsAt?: number;
  target: string;
  priority: Priority;
  state: JobState;
  attempts: number;
  retries: number;
  submittedAt: number;
  updatedAt: number;
  startedAt?: number;
  completedAt?: number;
  nextAttemptAt?: number;
  lastError?: JobError;
  replayOf?: string;
  supersededBy?: string;
  history: readonly AttemptRecord[];
  /**
   * Set only while the job waits for its down target past its retries (docs/how-it-works.md,
   * Retries): the time after which it is not retried, its submission plus its target's
   * max_job_age. Both engines add it when a job is read (engine/target-wait.ts).
   */
  deadLetterAfter?: number;
}

export function snapshotOf(job: Job): JobSnapshot {
  const snapshot: JobSnapshot = {
    id: job.id,
    fingerprint: job.alert.fingerprint,
    alertname: job.alert.labels['alertname'] ?? '',
    alertStatus: job.alert.status,
    target: job.target,
    priority: job.priority,
    state: job.state,
    attempts: job.attempts,
    retries: job.retries,
    submittedAt: job.submittedAt,
    updatedAt: job.updatedAt,
    history: job.history.slice(),
  };
  const alertStartsAt = Date.parse(job.alert.startsAt);
  if (!Number.isNaN(alertStartsAt)) snapshot.alertStartsAt = alertStartsAt;
  if (job.startedAt !== undefined) snapshot.startedAt = job.startedAt;
  if (job.completedAt !== undefined) snapshot.completedAt = job.completedAt;
  if (job.nextAttemptAt !== undefined) snapshot.nextAttemptAt = job.nextAttemptAt;
  if (job.lastError !== undefined) snapshot.lastError = job.lastError;
  if (job.replayOf !== undefined) snapshot.replayOf = job.replayOf;
  if (job.supersededBy !== undefined) snapshot.supersededBy = job.supersededBy;
  return snapshot;
}

export interface JobFilter {
  state?: JobState;
  priority?: Priority;
  target?: string;
  /** default 100 */
  limit?: number;
}
