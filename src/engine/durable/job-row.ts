import type { Alert, Classification } from '../../domain/alert.js';
import { attemptsFromJson } from '../../domain/attempt-json.js';
import { ERROR_TYPES, FAILURE_REASONS } from '../../domain/failure.js';
import type { JobError, JobSnapshot, JobState, Priority } from '../../domain/job.js';
import { FINAL_JOB_STATES, JOB_STATES, PRIORITIES } from '../../domain/job.js';

/** The columns of `publishing_jobs` (migrations/0003) a snapshot needs, as the drivers return them. */
export interface JobRow {
  id: string;
  target_name: string;
  fingerprint: string;
  alertname: string;
  alert_status: string;
  priority: string;
  state: string;
  attempts: number;
  retries: number;
  submitted_at: Date;
  updated_at: Date;
  due_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  error_type: string | null;
  error_reason: string | null;
  http_status: number | null;
  error_message: string | null;
  replay_of: string | null;
  /** Read by the job API only (claims do not carry them). */
  superseded_by?: string | null;
  attempt_log?: unknown;
  /** The alert's startsAt (null in rows written before migration 0008). */
  starts_at?: Date | null;
}

/**
 * The state lists of the statements on publishing_jobs, written once: `(…)` for `state IN`.
 * Active: counted in a lane (publishing_job_counts) and in a chain (publishing_jobs_chain_idx);
 * final: kept for the retention window (publishing_jobs_updated_idx and _fingerprint_idx hold
 * only these rows, migrations/0011).
 */
const sqlList = (states: readonly string[]): string =>
  `(${states.map((s) => `'${s}'`).join(', ')})`;
export const ACTIVE_STATES_SQL = sqlList(['queued', 'processing', 'retrying', 'failed']);

/**
 * The newest later active job of the chain of the row aliased `alias` (SQL, null when none): a
 * job that a newer one of its (target, fingerprint) waits behind is superseded rather than sent
 * (docs/alert-state.md). Read by the claim, the check before a late start and after a failure.
 */
export function newerActiveJobSql(alias: string): string {
  return `(SELECT p.id FROM publishing_jobs p
   WHERE p.target_name = ${alias}.target_name AND p.fingerprint = ${alias}.fingerprint
     AND p.seq > ${alias}.seq AND p.state IN ${ACTIVE_STATES_SQL}
   ORDER BY p.seq DESC LIMIT 1)`;
}
export const FINAL_STATES_SQL = sqlList(FINAL_JOB_STATES);

export const SNAPSHOT_COLUMNS = `id, target_name, fingerprint, alertname, alert_status, priority, state,
  attempts, retries, submitted_at, updated_at, due_at, started_at, completed_at,
  error_type, error_reason, http_status, error_message, replay_of`;

/**
 * What the job API reads of a row: the snapshot, who superseded it, its attempts, and whether
 * the retry it waits for counts (its wait for a down target: engine/target-wait.ts).
 */
export const READ_COLUMNS = `${SNAPSHOT_COLUMNS}, superseded_by, attempt_log, starts_at,
  is_retry_counted`;

/** A row as the job API reads it (READ_COLUMNS). */
export interface ReadRow extends JobRow {
  is_retry_counted: boolean;
}

/** A claimed job: everything an attempt and a possible dead letter need. */
export interface ClaimedRow extends JobRow {
  alert: Alert;
  classification: Classification | null;
  /** Submission order (publishing_jobs.seq). */
  seq: number;
  /** Its attempts so far (AttemptJson[]); the dispatcher appends each new one. */
  attempt_log: unknown;
  /**
   * The retry it is due for counts against max_retries (migrations/0012): the dispatcher adds
   * it to `retries` when its attempt starts, so a retry never made is never counted.
   */
  is_retry_counted: boolean;
}

function member<T extends string>(vocabulary: readonly T[], value: string, column: string): T {
  const found = vocabulary.find((item) => item === value);
  if (found === undefined) throw new Error(`publishing_jobs.${column} holds unknown "${value}"`);
  return found;
}

export function priorityOf(row: { priority: string }): Priority {
  return member(PRIORITIES, row.priority, 'priority');
}

function errorOf(row: JobRow): JobError | undefined {
  if (row.error_type === null || row.error_reason === null) return undefined;
  const error: JobError = {
    type: member(ERROR_TYPES, row.error_type, 'error_type'),
    reason: member(FAILURE_REASONS, row.error_reason, 'error_reason'),
    message: row.error_message ?? '',
  };
  if (row.http_status !== null) error.status = row.http_status;
  return error;
}

export function snapshotFromRow(row: JobRow): JobSnapshot {
  const state: JobState = member(JOB_STATES, row.state, 'state');
  const snapshot: JobSnapshot = {
    id: row.id,
    fingerprint: row.fingerprint,
    alertname: row.alertname,
    alertStatus: row.alert_status === 'resolved' ? 'resolved' : 'firing',
    target: row.target_name,
    priority: priorityOf(row),
    state,
    attempts: row.attempts,
    retries: row.retries,
    submittedAt: row.submitted_at.getTime(),
    updatedAt: row.updated_at.getTime(),
    history: attemptsFromJson(row.attempt_log),
  };
  if (row.starts_at !== undefined && row.starts_at !== null) {
    snapshot.alertStartsAt = row.starts_at.getTime();
  }
  if (row.started_at !== null) snapshot.startedAt = row.started_at.getTime();
  if (row.completed_at !== null) snapshot.completedAt = row.completed_at.getTime();
  if (state === 'queued' || state === 'retrying') snapshot.nextAttemptAt = row.due_at.getTime();
  const error = errorOf(row);
  if (error !== undefined) snapshot.lastError = error;
  if (row.replay_of !== null) snapshot.replayOf = row.replay_of;
  if (row.superseded_by !== undefined && row.superseded_by !== null) {
    snapshot.supersededBy = row.superseded_by;
  }
  return snapshot;
}

/** A job being admitted (admit-jobs.ts), before it has a row. */
export interface NewJob {
  id: string;
  target: string;
  alert: Alert;
  classification?: Classification;
  priority: Priority;
  replayOf?: string;
  /** A forced replay: the latest-state rule does not apply to it. */
  force?: boolean;
  /** Its target's resend_after when it was submitted (docs/alert-state.md, "Unchanged re-sends"). */
  resendAfterMs?: number;
}

/** The row a job of `admitJobs` became when it was dead-lettered at admission (overflow). */
export function rowOfNewJob(job: NewJob, nowMs: number): JobRow {
  const at = new Date(nowMs);
  return {
    id: job.id,
    target_name: job.target,
    fingerprint: job.alert.fingerprint,
    alertname: job.alert.labels['alertname'] ?? '',
    alert_status: job.alert.status,
    priority: job.priority,
    state: 'dlq',
    attempts: 0,
    retries: 0,
    submitted_at: at,
    updated_at: at,
    due_at: at,
    started_at: null,
    completed_at: at,
    error_type: null,
    error_reason: null,
    http_status: null,
    error_message: null,
    replay_of: job.replayOf ?? null,
  };
}
