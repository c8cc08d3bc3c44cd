import type { Db } from '../db/db.js';
import { WAKE_CHANNEL } from './durable-config.js';

/*
 * Leases per instance (migrations/0006): a claimed job names its instance in lease_owner, and
 * the instance's row in publishing_instances carries the lease. A heartbeat renews it with one
 * single-row statement whatever the instance holds.
 */

const at = (ms: number): string => new Date(ms).toISOString();

/**
 * Registers a lease under `id`. False when the id is taken (an earlier process of the same
 * name whose lease has not lapsed yet): its jobs are not this instance's to finish.
 */
export async function registerInstance(
  db: Db,
  id: string,
  nowMs: number,
  leaseMs: number,
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO publishing_instances (id, lease_expires_at, started_at) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO NOTHING`,
    [id, at(nowMs + leaseMs), at(nowMs)],
  );
  return result.rowCount === 1;
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
 * Returns claimed jobs whose instance is gone (lease lapsed, or no row: stopped with
 * completions it could not commit) to waiting, at most `limit` per call, and deletes lapsed
 * instance rows. The attempt a job was charged stays counted: it may have been made. Any
 * instance may run it; SKIP LOCKED keeps concurrent sweeps and completions from waiting on
 * each other. The scan covers claimed jobs only (publishing_jobs_owner_idx).
 */
export async function releaseOrphanedJobs(db: Db, nowMs: number, limit: number): Promise<number> {
  const result = await db.query<{ id: string }>(
    `WITH lapsed AS (
       DELETE FROM publishing_instances WHERE lease_expires_at < $1 RETURNING id
     ), orphaned AS (
       SELECT j.id FROM publishing_jobs j
       WHERE j.state = 'processing' AND NOT EXISTS (
         SELECT 1 FROM publishing_instances i
         WHERE i.id = j.lease_owner AND i.lease_expires_at >= $1)
       LIMIT $2 FOR UPDATE SKIP LOCKED
     ), released AS (
       UPDATE publishing_jobs AS j SET state = 'retrying', lease_owner = NULL, updated_at = $1
       FROM orphaned WHERE j.id = orphaned.id RETURNING j.id
     )
     -- lapsed runs although unreferenced (PostgreSQL: data-modifying WITH).
     SELECT id, pg_notify('${WAKE_CHANNEL}', '') IS NULL AS notified FROM released`,
    [at(nowMs), limit],
    { name: 'durable_release' },
  );
  return result.rows.length;
}
