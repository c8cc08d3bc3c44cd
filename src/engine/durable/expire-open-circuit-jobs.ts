import type { Db } from '../../db/db.js';
import type { Target } from '../../domain/target.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';
import { adjustJobCounts } from './job-counts.js';
import type { ClaimedRow, JobRow } from './job-row.js';
import { SNAPSHOT_COLUMNS } from './job-row.js';
import { circuitOpenError } from '../job-errors.js';
import { deadLetterOf } from './next-step.js';

/** A dead-lettered row, with what its dead letter needs. */
export type ExpiredRow = JobRow & Pick<ClaimedRow, 'alert' | 'classification'>;

/**
 * Waiting jobs of targets whose breaker is open, submitted longer than the target's
 * `max_job_age` ago, become dead letters with reason `circuit_open` (docs/how-it-works.md), claimed or not:
 * one statement (SKIP LOCKED, so a concurrent claim or sweep is never waited for) and their
 * dead letters, in one transaction. At most `limit` jobs per call; returns the rows finished.
 * Cost: a range scan of the due index over the waiting jobs of the open targets only.
 */
export async function expireOpenCircuitJobs(
  db: Db,
  openTargets: readonly Target[],
  nowMs: number,
  limit: number,
  insertDeadLetters: DeadLetterInsert,
): Promise<ExpiredRow[]> {
  if (openTargets.length === 0) return [];
  const now = new Date(nowMs).toISOString();
  return db.transaction(async (tx) => {
    const result = await tx.query<ExpiredRow>(
      `WITH aged AS (
         SELECT j.id FROM publishing_jobs j
         JOIN unnest($1::text[], $2::timestamptz[]) AS t(target_name, cutoff)
           ON j.target_name = t.target_name
         WHERE j.state IN ('queued', 'retrying') AND j.submitted_at < t.cutoff
         ORDER BY j.seq LIMIT $4
         FOR UPDATE OF j SKIP LOCKED
       )
       UPDATE publishing_jobs AS u SET state = 'dlq', completed_at = $3, updated_at = $3,
         error_type = 'transient', error_reason = 'circuit_open', http_status = NULL,
         error_message = m.message
       FROM aged, unnest($1::text[], $5::text[]) AS m(target_name, message)
       WHERE u.id = aged.id AND m.target_name = u.target_name
       RETURNING ${SNAPSHOT_COLUMNS.replaceAll(/(\w+)/g, 'u.$1')}, u.alert, u.classification`,
      [
        openTargets.map((t) => t.name),
        openTargets.map((t) => new Date(nowMs - t.retry.maxJobAgeMs).toISOString()),
        now,
        limit,
        openTargets.map((t) => circuitOpenError(t.name).message),
      ],
    );
    const byName = new Map(openTargets.map((t) => [t.name, t]));
    const letters = result.rows.flatMap((row) => {
      const target = byName.get(row.target_name);
      return target === undefined
        ? []
        : [deadLetterOf(row, target, circuitOpenError(target.name), nowMs)];
    });
    await adjustJobCounts(
      tx,
      result.rows.map((row) => ({ priority: row.priority, target: row.target_name, delta: -1 })),
    );
    await insertDeadLetters(tx, letters);
    return result.rows;
  });
}
