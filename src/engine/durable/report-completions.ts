import type { FinalJobState, JobError, JobSnapshot } from '../../domain/job.js';
import type { FinishedJob, JobReport } from '../job-report.js';
import type { Finished } from './completion-queue.js';
import type { JobRow } from './job-row.js';
import { priorityOf, snapshotFromRow } from './job-row.js';

function finishedJobOf(row: JobRow, lastError?: JobError): FinishedJob {
  return {
    id: row.id,
    target: row.target_name,
    priority: priorityOf(row),
    attempts: row.attempts,
    submittedAt: row.submitted_at.getTime(),
    lastError,
    supersededBy: row.superseded_by ?? undefined,
  };
}

function finalSnapshot(
  row: JobRow,
  state: FinalJobState,
  nowMs: number,
  error?: JobError,
): JobSnapshot {
  const at = new Date(nowMs);
  const final: JobRow = { ...row, state, updated_at: at, completed_at: at };
  if (error !== undefined) {
    final.error_type = error.type;
    final.error_reason = error.reason;
    final.http_status = error.status ?? null;
    final.error_message = error.message;
  }
  return snapshotFromRow(final);
}

/**
 * What a committed completion means for the engine's report: a success or a dead letter
 * finishes the job, a retry that spends max_retries is counted. A completion the lease no
 * longer covered (not written) reports nothing: the row was not this instance's any more.
 */
export function reportCompletion(report: JobReport, finished: Finished, nowMs: number): void {
  const { held, completion, written } = finished;
  if (!written) return;
  const meters = report.meters(held.target.name);
  switch (completion.kind) {
    case 'succeeded':
      report.finished(meters, finishedJobOf(held.job), 'succeeded', nowMs, () =>
        finalSnapshot(held.job, 'succeeded', nowMs),
      );
      return;
    case 'dead':
      reportDeadRow(report, held.job, completion.error, nowMs);
      return;
    case 'superseded':
      reportSupersededRow(report, { ...held.job, superseded_by: completion.by }, nowMs);
      return;
    case 'retry':
      if (completion.countsRetry) report.retried(meters, completion.error.type);
      return;
    case 'release':
      return;
  }
}

/** A row whose dead letter committed (after an attempt, or without one: overflow, circuit_open). */
export function reportDeadRow(
  report: JobReport,
  row: JobRow,
  error: JobError,
  nowMs: number,
): void {
  const meters = report.meters(row.target_name);
  report.deadLetterStored(meters, error.type);
  report.finished(meters, finishedJobOf(row, error), 'dlq', nowMs, () =>
    finalSnapshot(row, 'dlq', nowMs, error),
  );
}

/** A row that ended superseded: at admission (stale, or replaced by a newer job) or after an attempt. */
export function reportSupersededRow(report: JobReport, row: JobRow, nowMs: number): void {
  report.finished(report.meters(row.target_name), finishedJobOf(row), 'superseded', nowMs, () =>
    finalSnapshot(row, 'superseded', nowMs),
  );
}
