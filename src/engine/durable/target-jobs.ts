import type { Db } from '../../db/db.js';
import type { TargetJobs } from '../publishing-engine.js';

/**
 * The active jobs of the named targets (PublishingEngine.targetJobs), cluster-wide, in one
 * statement: the count from publishing_job_counts (a few rows per target), the oldest
 * submission from an index range per target: publishing_jobs_due_idx over its waiting rows
 * (bounded by its lane shares) and the processing rows' partial index (bounded by workers).
 */
export async function readTargetJobs(
  db: Db,
  targets: readonly string[],
): Promise<Map<string, TargetJobs>> {
  const result = await db.query<{ target_name: string; active: number; oldest: Date | null }>(
    `SELECT t.target_name,
       (SELECT coalesce(sum(k.active), 0)::int FROM publishing_job_counts k
         WHERE k.target_name = t.target_name) AS active,
       least(
         (SELECT min(j.submitted_at) FROM publishing_jobs j
           WHERE j.target_name = t.target_name AND j.state IN ('queued', 'retrying')),
         (SELECT min(j.submitted_at) FROM publishing_jobs j
           WHERE j.target_name = t.target_name AND j.state = 'processing')) AS oldest
     FROM unnest($1::text[]) AS t(target_name)`,
    [targets],
  );
  const jobs = new Map<string, TargetJobs>();
  for (const { target_name: name, active, oldest } of result.rows) {
    jobs.set(name, oldest === null ? { active } : { active, oldestSubmittedAt: oldest.getTime() });
  }
  return jobs;
}
