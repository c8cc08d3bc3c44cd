import type { Db } from '../../db/db.js';
import { FINAL_STATES_SQL } from './job-row.js';

/**
 * Deletes succeeded, dead-lettered and superseded jobs completed before `olderThanMs`, `batch` rows per
 * statement (short transactions, no long lock), until none is left. Returns the count deleted.
 * A final job's updated_at is its completed_at, so publishing_jobs_updated_idx serves.
 */
export async function purgeFinished(db: Db, olderThanMs: number, batch: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await db.query(
      `DELETE FROM publishing_jobs WHERE id IN (
         SELECT id FROM publishing_jobs
         WHERE updated_at < $1 AND state IN ${FINAL_STATES_SQL}
         LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [new Date(olderThanMs).toISOString(), batch],
    );
    deleted += result.rowCount;
    if (result.rowCount < batch) return deleted;
  }
}
