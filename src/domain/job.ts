import type { Alert, Classification } from './alert.js';
import type { ErrorType, FailureReason } from './failure.js';

export const PRIORITIES = ['high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/**
 * queued → processing → succeeded
 *                     → retrying → processing …
 *                     → failed (dead letter not yet stored) → dlq
 * Every job ends in `succeeded` or `dlq`.
 */
export const JOB_STATES = [
  'queued',
  'processing',
  'retrying',
  'succeeded',
  'failed',
  'dlq',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const FINAL_STATES: ReadonlySet<JobState> = new Set<JobState>(['succeeded', 'dlq']);

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
  /** Retries that counted against max_retries (a 429 does not count); stored as the DLQ's retry_count. */
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
}

/** What the job-status store keeps: a job without its alert body. */
export interface JobSnapshot {
  id: string;
  fingerprint: string;
  alertname: string;
  alertStatus: Alert['status'];
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
  };
  if (job.startedAt !== undefined) snapshot.startedAt = job.startedAt;
  if (job.completedAt !== undefined) snapshot.completedAt = job.completedAt;
  if (job.nextAttemptAt !== undefined) snapshot.nextAttemptAt = job.nextAttemptAt;
  if (job.lastError !== undefined) snapshot.lastError = job.lastError;
  if (job.replayOf !== undefined) snapshot.replayOf = job.replayOf;
  return snapshot;
}

export interface JobFilter {
  state?: JobState;
  priority?: Priority;
  target?: string;
  /** default 100 */
  limit?: number;
}
