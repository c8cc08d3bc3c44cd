import type { Db } from '../../db/db.js';
import { appendAttemptSql } from './append-attempt-sql.js';
import { WAKE_CHANNEL } from './durable-config.js';

/*
 * Leases per instance (migrations/0006): a claimed job names its instance in lease_owner, and
 * the instance's row in publishing_instances carries the lease. A heartbeat renews it with one
 * single-row statement whatever the instance holds.
 */

const at = (ms: number): string => new Date(ms).toISOString();

/** `%s`: the instance. */
const LOST_ATTEMPT_MESSAGE =
  'instance %s stopped renewing its lease while holding this job: the target may have ' +
  'received this attempt, or the attempt may not have been made';

/**
 * The attempt a lost instance's job was charged, as an AttemptJson (domain/attempt-json.ts) of
 * the row `j` released at $1, $3 its message. The claim set last_attempt_at (claim-jobs.ts);
 * instances' clocks differ, so a claim "after" the release lasted 0 ms.
 */
const LOST_ATTEMPT_SQL = `jsonb_build_object(
  'at', to_char(j.last_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'duration_ms', greatest(0, floor(extract(epoch FROM $1::timestamptz - j.last_attempt_at) * 1000))::bigint,
  'reason', 'shutdown',
  'message', format($3::text, j.lease_owner))`;

/**
 * Registers a lease under `id`. False when the id is taken (an earlier process of the same
 * name whose lease has not lapsed yet): its jobs are not this instance's to finish.
 * `stoppingSinceMs`: registered again after a lost lease while stopping (markStopping).
 */
export async function registerInstance(
  db: Db,
  id: string,
  nowMs: number,
  leaseMs: number,
  stoppingSinceMs?: number,
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO publishing_instances (id, lease_expires_at, started_at, stopping_since)
     VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
    [
      id,
      at(nowMs + leaseMs),
      at(nowMs),
      stoppingSinceMs === undefined ? null : at(stoppingSinceMs),
    ],
  );
  return result.rowCount === 1;
}

/** At stop: the instance no longer takes over other instances' work (migrations/0014). */
export async function markStopping(db: Db, id: string, nowMs: number): Promise<void> {
  await db.query(`UPDATE publishing_instances SET stopping_since = $2 WHERE id = $1`, [
    id,
    at(nowMs),
  ]);
}

/**
 * Extends the lease. False when it had lapsed already (or the row was swept): from then on the
 * instance's jobs may be another instance's, so every attempt it holds must be aborted and
 * nothing of them written.
 */
export async function renewInstance(
  db: Db,
  id: string,
  nowMs: number,
  leaseMs: number,
): Promise<boolean> {
  const result = await db.query(
    `UPDATE publishing_instances SET lease_expires_at = $2 WHERE id = $1 AND lease_expires_at >= $3`,
    [id, at(nowMs + leaseMs), at(nowMs)],
    { name: 'durable_renew' },
  );
  return result.rowCount === 1;
}

/** At stop, once nothing it holds is left: its jobs, if any remain, are released at once. */
export async function deregisterInstance(db: Db, id: string): Promise<void> {
  await db.query(`DELETE FROM publishing_instances WHERE id = $1`, [id]);
}

/**
 * Returns claimed jobs whose instance is gone to waiting, at most `limit` per call. Two
 * statements: first lapsed instance rows are deleted (a row lock each: a renewal that commits
 * first keeps its row, one that comes after finds none and its instance knows it lost the
 * lease), then, in a fresh snapshot, jobs whose owner has no row at all are released (lapsed,
 * or stopped with completions it could not commit). Whether an owner is alive is decided by
 * its row alone, never by comparing times here, so a renewal racing the sweep cannot keep a
 * lease whose jobs were handed on. The attempt a job was charged stays counted, and its history
 * keeps it (docs/api.md, "Alert timeline"): `at` its claim, `duration_ms` until this release,
 * reason `shutdown` and a message naming the instance, since its outcome was never written and
 * the target may have received it (or the instance died before starting it). SKIP LOCKED keeps
 * concurrent sweeps and completions from waiting on each other; the scan covers claimed jobs
 * only (publishing_jobs_owner_idx).
 */
export async function releaseOrphanedJobs(db: Db, nowMs: number, limit: number): Promise<number> {
  await db.query(`DELETE FROM publishing_instances WHERE lease_expires_at < $1`, [at(nowMs)], {
    name: 'durable_lapse',
  });
  const result = await db.query<{ id: string }>(
    `WITH orphaned AS (
       SELECT j.id FROM publishing_jobs j
       WHERE j.state = 'processing'
         AND NOT EXISTS (SELECT 1 FROM publishing_instances i WHERE i.id = j.lease_owner)
       LIMIT $2 FOR UPDATE SKIP LOCKED
     ), released AS (
       UPDATE publishing_jobs AS j SET state = 'retrying', lease_owner = NULL, updated_at = $1,
         attempt_log = CASE WHEN j.last_attempt_at IS NULL THEN j.attempt_log
           ELSE ${appendAttemptSql('j.attempt_log', LOST_ATTEMPT_SQL)} END
       FROM orphaned WHERE j.id = orphaned.id RETURNING j.id
     )
     SELECT id, pg_notify('${WAKE_CHANNEL}', '') IS NULL AS notified FROM released`,
    [at(nowMs), limit, LOST_ATTEMPT_MESSAGE],
    { name: 'durable_release' },
  );
  return result.rows.length;
}

/**
 * Releases jobs claimed under `owner` that the instance does not hold: a claim that committed
 * although the instance saw it fail (a timeout, a connection lost after COMMIT), or rows left
 * by an earlier process of the same name. Only called while no claim is in flight, so every
 * row the instance's claims took is in `held`.
 */
export async function releaseUnheld(
  db: Db,
  owner: string,
  held: readonly string[],
  nowMs: number,
): Promise<number> {
  const result = await db.query<{ id: string }>(
    `WITH released AS (
       UPDATE publishing_jobs SET state = 'retrying', lease_owner = NULL, updated_at = $3
       WHERE state = 'processing' AND lease_owner = $1 AND NOT (id = ANY($2::uuid[]))
       RETURNING id
     )
     SELECT id, pg_notify('${WAKE_CHANNEL}', '') IS NULL AS notified FROM released`,
    [owner, held, at(nowMs)],
    { name: 'durable_release_unheld' },
  );
  return result.rows.length;
}
