import type { Db } from '../../db/db.js';
import type { Priority } from '../../domain/job.js';
import { PRIORITIES } from '../../domain/job.js';
import type { HeldCounts } from '../admission.js';

/** Active jobs (queued, processing, retrying) per lane and target, as the counts table holds them. */
export type WaitingCounts = ReadonlyMap<Priority, ReadonlyMap<string, number>>;

/** A change of active jobs for one (lane, target). */
export interface CountDelta {
  priority: string;
  target: string;
  delta: number;
}

/** Active jobs per lane and target (migrations/0004): a few rows, whatever the backlog. */
export async function readJobCounts(tx: Db): Promise<WaitingCounts> {
  const result = await tx.query<{ priority: string; target_name: string; active: number }>(
    'SELECT priority, target_name, active FROM publishing_job_counts',
  );
  const counts = new Map<Priority, Map<string, number>>();
  for (const row of result.rows) {
    const priority = PRIORITIES.find((p) => p === row.priority);
    if (priority === undefined) continue;
    const lane = counts.get(priority) ?? new Map<string, number>();
    lane.set(row.target_name, row.active);
    counts.set(priority, lane);
  }
  return counts;
}

/** The counts as admission reads them. */
export function heldCountsOf(counts: WaitingCounts): HeldCounts {
  return {
    inLane(priority) {
      let size = 0;
      for (const count of counts.get(priority)?.values() ?? []) size += count;
      return size;
    },
    ofTarget: (priority, target) => counts.get(priority)?.get(target) ?? 0,
  };
}

/**
 * Applies deltas in the caller's transaction. Count rows are locked in key order (admission,
 * completions and sweeps of several instances touch the same rows: one order, no deadlock);
 * a missing row is created. One statement.
 */
export async function adjustJobCounts(tx: Db, deltas: readonly CountDelta[]): Promise<void> {
  const merged = new Map<string, CountDelta>();
  for (const d of deltas) {
    const key = `${d.priority}\u0000${d.target}`;
    const seen = merged.get(key);
    if (seen === undefined) merged.set(key, { ...d });
    else seen.delta += d.delta;
  }
  const rows = [...merged.values()]
    .filter((d) => d.delta !== 0)
    .sort((a, b) => compare(a.priority, b.priority) || compare(a.target, b.target));
  if (rows.length === 0) return;
  await tx.query(
    `WITH d AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[]) AS d(priority, target_name, delta)
     ), locked AS (
       SELECT k.priority, k.target_name FROM publishing_job_counts k
       JOIN d USING (priority, target_name)
       ORDER BY k.priority, k.target_name FOR UPDATE OF k
     ), updated AS (
       UPDATE publishing_job_counts k SET active = greatest(0, k.active + d.delta)
       FROM d, locked
       WHERE k.priority = d.priority AND k.target_name = d.target_name
         AND locked.priority = d.priority AND locked.target_name = d.target_name
       RETURNING k.priority, k.target_name
     )
     INSERT INTO publishing_job_counts (priority, target_name, active)
     SELECT d.priority, d.target_name, greatest(0, d.delta) FROM d
     WHERE NOT EXISTS (SELECT 1 FROM updated u
       WHERE u.priority = d.priority AND u.target_name = d.target_name)
     ON CONFLICT (priority, target_name)
       DO UPDATE SET active = greatest(0, publishing_job_counts.active + EXCLUDED.active)`,
    [rows.map((d) => d.priority), rows.map((d) => d.target), rows.map((d) => d.delta)],
    { name: 'durable_counts' },
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
