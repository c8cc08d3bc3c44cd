import type { Db } from '../db/db.js';
import type { DlqEntry, ReplayResult } from './dlq-entry.js';
import { DLQ_COLUMNS, toEntry, type DlqRow } from './dlq-row.js';

/**
 * The replay state of an entry, one statement each:
 *   unreplayed --claim--> replayed, 'submitted' --recordJob--> replay_job_id set
 *              <-release-- (only while no job was created)
 *   'submitted' --recordOutcome--> 'succeeded' | 'failed'
 * `claim` is the only way to set `replayed`: of concurrent claims of one entry exactly one
 * gets a row back.
 */
export async function claimReplay(
  db: Db,
  id: string,
  nowMs: number,
): Promise<DlqEntry | undefined> {
  const result = await db.query<DlqRow>(
    `UPDATE publishing_dlq
     SET replayed = true, replayed_at = $2, replay_result = 'submitted', updated_at = $2
     WHERE id = $1 AND replayed = false
     RETURNING ${DLQ_COLUMNS}`,
    [id, new Date(nowMs).toISOString()],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : toEntry(row);
}

export async function releaseReplay(db: Db, id: string, nowMs: number): Promise<boolean> {
  const result = await db.query(
    `UPDATE publishing_dlq
     SET replayed = false, replayed_at = NULL, replay_result = NULL, updated_at = $2
     WHERE id = $1 AND replayed = true AND replay_job_id IS NULL`,
    [id, new Date(nowMs).toISOString()],
  );
  return result.rowCount === 1;
}

export async function recordReplayJob(
  db: Db,
  id: string,
  jobId: string,
  nowMs: number,
): Promise<void> {
  await db.query(
    'UPDATE publishing_dlq SET replay_job_id = $2, updated_at = $3 WHERE id = $1 AND replayed = true',
    [id, jobId, new Date(nowMs).toISOString()],
  );
}

/** Returns false when the entry no longer exists (deleted or purged meanwhile). */
export async function recordReplayOutcome(
  db: Db,
  id: string,
  result: Exclude<ReplayResult, 'submitted'>,
  nowMs: number,
): Promise<boolean> {
  const updated = await db.query(
    'UPDATE publishing_dlq SET replay_result = $2, updated_at = $3 WHERE id = $1 AND replayed = true',
    [id, result, new Date(nowMs).toISOString()],
  );
  return updated.rowCount === 1;
}
