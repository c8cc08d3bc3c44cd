import type { Db } from '../../db/db.js';
import { ADMISSION_LOCK } from './admit-jobs.js';
import { ACTIVE_STATES_SQL } from './job-row.js';

/** A count row that did not match the jobs table; `from` is null where the row was missing. */
export interface CountCorrection {
  priority: string;
  target: string;
  from: number | null;
  to: number;
}

/**
 * Sets every publishing_job_counts row to the active jobs of its lane and target (a missing row
 * is inserted, a row with none becomes 0), so that drift (rows deleted by hand, a bug) does not
 * outlive one call. Returns the rows changed: none when the table matched.
 * One transaction that no admission or completion can interleave with: the admission lock, then
 * every count row locked in key order (the order adjustJobCounts locks them in), then the count
 * in a statement of its own, whose snapshot is taken after the locks: a completion that changed
 * its jobs but not yet their counts is either committed and seen, or blocked behind us.
 * Cost: one pass over the active jobs (bounded by the lane capacities) while admissions wait.
 */
export async function reconcileJobCounts(db: Db): Promise<CountCorrection[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${ADMISSION_LOCK})`);
    await tx.query('SELECT 1 FROM publishing_job_counts ORDER BY priority, target_name FOR UPDATE');
    const result = await tx.query<CountCorrection>(
      `WITH actual AS (
         SELECT priority, target_name, count(*)::int AS active FROM publishing_jobs
         WHERE state IN ${ACTIVE_STATES_SQL}
         GROUP BY priority, target_name
       ), wrong AS (
         SELECT priority, target_name, k.active AS was, coalesce(a.active, 0) AS active
         FROM actual a FULL JOIN publishing_job_counts k USING (priority, target_name)
         WHERE k.active IS DISTINCT FROM coalesce(a.active, 0)
       ), written AS (
         INSERT INTO publishing_job_counts (priority, target_name, active)
         SELECT priority, target_name, active FROM wrong ORDER BY priority, target_name
         ON CONFLICT (priority, target_name) DO UPDATE SET active = EXCLUDED.active
         RETURNING priority, target_name
       )
       SELECT priority, target_name AS target, was AS "from", active AS "to"
       FROM wrong JOIN written USING (priority, target_name)
       ORDER BY priority, target_name`,
    );
    return result.rows;
  });
}
