import type { Db } from '../db/db.js';
import { WAKE_CHANNEL } from './durable-config.js';

/**
 * Extends the leases this instance holds. Returns the ids still held: a missing id was reaped
 * after its lease expired (and may be another instance's now), so its attempt must be aborted.
 */
export async function renewLeases(
  db: Db,
  owner: string,
  ids: readonly string[],
  leaseUntilMs: number,
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const result = await db.query<{ id: string }>(
    // SKIP LOCKED: a row locked now is being finished by this instance's own completion (or
    // reaped); renewal never waits, so it cannot deadlock with completions. Whether a job is
    // still ours is read from the statement's snapshot, renewed or not.
    `WITH mine AS (
       SELECT id FROM publishing_jobs
       WHERE id = ANY($2::uuid[]) AND state = 'processing' AND lease_owner = $1
       FOR UPDATE SKIP LOCKED
     ), renewed AS (
       -- Runs to completion although unreferenced (PostgreSQL: data-modifying WITH).
       UPDATE publishing_jobs AS j SET lease_expires_at = $3 FROM mine
       WHERE j.id = mine.id RETURNING j.id
     )
     SELECT id FROM publishing_jobs
     WHERE id = ANY($2::uuid[]) AND state = 'processing' AND lease_owner = $1`,
    [owner, ids, new Date(leaseUntilMs).toISOString()],
  );
  return new Set(result.rows.map((row) => row.id));
}

/**
 * Returns jobs whose lease expired (their instance died or lost the database) to waiting, at
 * most `limit` per call. The attempt they were charged stays counted: it may have been made.
 * Any instance may run it; SKIP LOCKED keeps concurrent sweeps from waiting on each other.
 */
export async function reapExpiredLeases(db: Db, nowMs: number, limit: number): Promise<number> {
  const result = await db.query<{ id: string }>(
    `WITH expired AS (
       SELECT id FROM publishing_jobs
       WHERE state = 'processing' AND lease_expires_at < $1
       ORDER BY lease_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
     ), reaped AS (
       UPDATE publishing_jobs AS j SET state = 'retrying', lease_owner = NULL,
         lease_expires_at = NULL, updated_at = $1
       FROM expired WHERE j.id = expired.id RETURNING j.id
     )
     SELECT reaped.id, pg_notify('${WAKE_CHANNEL}', '') IS NULL AS notified FROM reaped`,
    [new Date(nowMs).toISOString(), limit],
  );
  return result.rows.length;
}
