import type { Db } from '../../db/db.js';

/**
 * The names of the targets that have active jobs (waiting or claimed), sorted. The waiting
 * ones by a loose index scan of publishing_jobs_due_idx (one probe per target, whatever the
 * backlog), the claimed ones through publishing_jobs_owner_idx (a few per worker).
 */
export async function readTargetsWithActiveJobs(db: Db): Promise<string[]> {
  const result = await db.query<{ target_name: string }>(
    `WITH RECURSIVE waiting AS (
       (SELECT target_name FROM publishing_jobs WHERE state IN ('queued', 'retrying')
        ORDER BY target_name LIMIT 1)
       UNION ALL
       SELECT (SELECT j.target_name FROM publishing_jobs j
               WHERE j.state IN ('queued', 'retrying') AND j.target_name > waiting.target_name
               ORDER BY j.target_name LIMIT 1)
       FROM waiting WHERE waiting.target_name IS NOT NULL
     )
     SELECT target_name FROM waiting WHERE target_name IS NOT NULL
     UNION
     SELECT target_name FROM publishing_jobs WHERE state = 'processing'
     ORDER BY target_name`,
  );
  return result.rows.map((row) => row.target_name);
}

/**
 * Of the targets named, those with jobs claimed (`processing`) that were submitted before the
 * target's time: they wait again once their instance finishes or lapses. Cost: the claimed jobs
 * only (publishing_jobs_owner_idx), a few per worker.
 */
export async function readTargetsWithClaimedJobs(
  db: Db,
  targets: ReadonlyArray<{ name: string; beforeMs: number }>,
): Promise<Set<string>> {
  if (targets.length === 0) return new Set();
  const result = await db.query<{ target_name: string }>(
    `SELECT DISTINCT j.target_name FROM publishing_jobs j
     JOIN unnest($1::text[], $2::timestamptz[]) AS t(target_name, cutoff)
       ON j.target_name = t.target_name
     WHERE j.state = 'processing' AND j.submitted_at < t.cutoff`,
    [targets.map((t) => t.name), targets.map((t) => new Date(t.beforeMs).toISOString())],
  );
  return new Set(result.rows.map((row) => row.target_name));
}
