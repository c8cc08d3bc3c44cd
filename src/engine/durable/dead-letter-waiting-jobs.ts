import type { Db } from '../../db/db.js';
import type { JobError } from '../../domain/job.js';
import type { LetterTarget } from '../../domain/target.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';
import { adjustJobCounts } from './job-counts.js';
import type { ClaimedRow, JobRow } from './job-row.js';
import { SNAPSHOT_COLUMNS } from './job-row.js';
import { deadLetterOf } from './next-step.js';

/** A dead-lettered row, with what its dead letter needs. */
export type DeadRow = JobRow & Pick<ClaimedRow, 'alert' | 'classification' | 'seq' | 'attempt_log'>;

/** Which waiting jobs of one target to dead-letter, and why. */
export interface WaitingSelection {
  target: LetterTarget;
  /** Only jobs submitted before this (epoch ms). */
  submittedBefore: number;
  error: JobError;
}

/**
 * Waiting jobs (queued or retrying, not claimed) of the selected targets become dead letters:
 * those older than max_job_age of a target whose breaker is not closed (`circuit_open`,
 * maintenance) or those of a target removed by a config reload or not delivered to at start
 * (`target_removed`). One statement
 * (SKIP LOCKED, so a concurrent claim or sweep is never waited for), the counts and the dead
 * letters, in one transaction. At most `limit` jobs per call; returns the rows finished. Cost:
 * a range scan of the due index over the waiting jobs of the selected targets only.
 */
export async function deadLetterWaitingJobs(
  db: Db,
  selections: readonly WaitingSelection[],
  nowMs: number,
  limit: number,
  insertDeadLetters: DeadLetterInsert,
): Promise<DeadRow[]> {
  if (selections.length === 0) return [];
  const now = new Date(nowMs).toISOString();
  return db.transaction(async (tx) => {
    const result = await tx.query<DeadRow>(
      `WITH picked AS (
         SELECT j.id FROM publishing_jobs j
         JOIN unnest($1::text[], $2::timestamptz[]) AS t(target_name, cutoff)
           ON j.target_name = t.target_name
         WHERE j.state IN ('queued', 'retrying') AND j.submitted_at < t.cutoff
         ORDER BY j.seq LIMIT $4
         FOR UPDATE OF j SKIP LOCKED
       )
       UPDATE publishing_jobs AS u SET state = 'dlq', completed_at = $3, updated_at = $3,
         error_type = m.error_type, error_reason = m.error_reason, http_status = NULL,
         error_message = m.message
       FROM picked, unnest($1::text[], $5::text[], $6::text[], $7::text[])
         AS m(target_name, error_type, error_reason, message)
       WHERE u.id = picked.id AND m.target_name = u.target_name
       RETURNING ${SNAPSHOT_COLUMNS.replaceAll(/(\w+)/g, 'u.$1')}, u.alert, u.classification,
         u.seq::float8 AS seq, u.attempt_log`,
      [
        selections.map((s) => s.target.name),
        selections.map((s) => new Date(s.submittedBefore).toISOString()),
        now,
        limit,
        selections.map((s) => s.error.type),
        selections.map((s) => s.error.reason),
        selections.map((s) => s.error.message),
      ],
    );
    const byName = new Map(selections.map((s) => [s.target.name, s]));
    const letters = result.rows.flatMap((row) => {
      const selection = byName.get(row.target_name);
      return selection === undefined
        ? []
        : [deadLetterOf(row, selection.target, selection.error, nowMs)];
    });
    await adjustJobCounts(
      tx,
      result.rows.map((row) => ({ priority: row.priority, target: row.target_name, delta: -1 })),
    );
    await insertDeadLetters(tx, letters);
    return result.rows;
  });
}
