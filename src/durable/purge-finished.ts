import type { Db } from '../db/db.js';

/**
 * Deletes succeeded and dead-lettered jobs completed before `olderThanMs`, `batch` rows per
 * statement (short transactions, no long lock), until none is left. Returns the count deleted.
 */
export async function purgeFinished(db: Db, olderThanMs: number, batch: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await db.query(
      `DELETE FROM publishing_jobs WHERE id IN (
         SELECT id FROM publishing_jobs
         WHERE state IN ('succeeded', 'dlq') AND completed_at < $1
         LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [new Date(olderThanMs).toISOString(), batch],
    );
    deleted += result.rowCount;
    if (result.rowCount < batch) return deleted;
  }
}
