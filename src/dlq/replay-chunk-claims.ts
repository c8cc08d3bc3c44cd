import type { Db } from '../db/db.js';
import type { DlqEntry } from './dlq-entry.js';
import { CLAIMABLE } from './replay-claims.js';
import { DLQ_COLUMNS, isUuid, toEntry, type DlqRow } from './dlq-row.js';

/**
 * The claim statements of replay-claims.ts for a chunk of a bulk replay: one statement (one
 * commit) per chunk instead of one per letter. A commit per letter was most of a bulk replay's
 * time on PostgreSQL (docs/benchmarks.md, bulk replay). The claims of one chunk share one
 * `replayed_at`, their claim token; a row a concurrent claim holds is not returned (its row
 * lock makes this UPDATE re-read the committed row, which no longer matches).
 */
export async function readEntries(db: Db, ids: readonly string[]): Promise<DlqEntry[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  const result = await db.query<DlqRow>(
    `SELECT ${DLQ_COLUMNS} FROM publishing_dlq WHERE id = ANY($1::uuid[])`,
    [valid],
  );
  return inOrder(valid, result.rows.map(toEntry));
}

/** Claims those of `ids` that are claimable now, returned in the order of `ids`. */
export async function claimReplays(
  db: Db,
  ids: readonly string[],
  nowMs: number,
  leaseMs: number,
): Promise<DlqEntry[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  const result = await db.query<DlqRow>(
    `UPDATE publishing_dlq
     SET replayed = true, replayed_at = $2, replay_result = 'submitted', replay_job_id = NULL,
       updated_at = $2
     WHERE id = ANY($1::uuid[]) AND ${CLAIMABLE}
     RETURNING ${DLQ_COLUMNS}`,
    [valid, iso(nowMs), iso(nowMs - leaseMs)],
  );
  return inOrder(valid, result.rows.map(toEntry));
}

/** Undoes the chunk's claims made at `claimedAt` that recorded no job; returns how many. */
export async function releaseReplays(
  db: Db,
  ids: readonly string[],
  claimedAt: string,
  nowMs: number,
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db.query(
    `UPDATE publishing_dlq
     SET replayed = false, replayed_at = NULL, replay_result = NULL, updated_at = $3
     WHERE id = ANY($1::uuid[]) AND replayed = true AND replay_job_id IS NULL
       AND replayed_at = $2::timestamptz`,
    [ids, claimedAt, iso(nowMs)],
  );
  return result.rowCount;
}

/** recordReplayJob for each (entry, job) pair; returns how many were recorded. */
export async function recordReplayJobs(
  db: Db,
  jobs: ReadonlyArray<{ id: string; jobId: string }>,
  nowMs: number,
): Promise<number> {
  if (jobs.length === 0) return 0;
  const result = await db.query(
    `UPDATE publishing_dlq AS d SET replay_job_id = j.job_id, updated_at = $3
     FROM unnest($1::uuid[], $2::uuid[]) AS j(id, job_id)
     WHERE d.id = j.id AND d.replayed = true
       AND (d.replay_job_id IS NULL OR d.replay_job_id = j.job_id)`,
    [jobs.map((job) => job.id), jobs.map((job) => job.jobId), iso(nowMs)],
  );
  return result.rowCount;
}

function inOrder(ids: readonly string[], entries: readonly DlqEntry[]): DlqEntry[] {
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
