import type { Db } from '../db/db.js';
import type { DlqEntry, ReplayResult } from './dlq-entry.js';
import { DLQ_COLUMNS, isUuid, toEntry, type DlqRow } from './dlq-row.js';

/**
 * The replay state of an entry, one statement each:
 *   unreplayed --claim--> claimed (replayed, 'submitted', no replay_job_id)
 *   claimed --recordJob--> replay_job_id set        claimed --release--> unreplayed
 *   claimed, older than the claim lease --claim (takeover) / releaseStale--> as above
 *   'submitted' --recordOutcome--> 'succeeded' | 'failed'
 * A claim is identified by its `replayed_at` (the claim token): release and takeover only
 * touch the claim they name, so a late release cannot undo a newer claim. A claim whose
 * process died before the submit (or before recording the job) is visible as replayed with
 * replay_result 'submitted' and no replay_job_id, and is free again once the lease has passed.
 * Of concurrent claims of one entry exactly one gets a row back (the row lock makes the
 * second UPDATE re-read the first's committed row, which no longer matches).
 */
const CLAIMABLE = `(replayed = false OR (replay_job_id IS NULL AND replay_result = 'submitted'
  AND replayed_at < $3::timestamptz))`;

export async function claimReplay(
  db: Db,
  id: string,
  nowMs: number,
  leaseMs: number,
): Promise<DlqEntry | undefined> {
  return (await claimReplays(db, [id], nowMs, leaseMs))[0];
}

/**
 * Claims those of `ids` that are claimable now, returned in the order of `ids`: one statement
 * (one commit) for a bulk replay's chunk, whose claims share one `replayed_at`.
 */
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

/** Undoes the claim made at `claimedAt` if no job was recorded for it. */
export async function releaseReplay(
  db: Db,
  id: string,
  claimedAt: string,
  nowMs: number,
): Promise<boolean> {
  return (await releaseReplays(db, [id], claimedAt, nowMs)) === 1;
}

/** releaseReplay for each of `ids`; returns how many were released. */
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

/**
 * Makes claims older than the lease that never recorded a job unreplayed again (a process
 * died between claim and submit), so bulk replays and the start-up replay see them.
 * Cost: a scan of the replayed rows (publishing_dlq_replayed_idx).
 */
export async function releaseStaleClaims(db: Db, nowMs: number, leaseMs: number): Promise<number> {
  const result = await db.query(
    `UPDATE publishing_dlq
     SET replayed = false, replayed_at = NULL, replay_result = NULL, updated_at = $1
     WHERE replayed = true AND replay_job_id IS NULL AND replay_result = 'submitted'
       AND replayed_at < $2::timestamptz`,
    [iso(nowMs), iso(nowMs - leaseMs)],
  );
  return result.rowCount;
}

/** The first job recorded for a claim wins; returns false if it names another job. */
export async function recordReplayJob(
  db: Db,
  id: string,
  jobId: string,
  nowMs: number,
): Promise<boolean> {
  return (await recordReplayJobs(db, [{ id, jobId }], nowMs)) === 1;
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

/**
 * Records the replay job's outcome, and its id if recording it after the submit failed (or
 * has not happened yet). Returns false when the entry no longer exists (deleted or purged
 * meanwhile) or its claim now names another job.
 */
export async function recordReplayOutcome(
  db: Db,
  id: string,
  jobId: string,
  result: Exclude<ReplayResult, 'submitted'>,
  nowMs: number,
): Promise<boolean> {
  const updated = await db.query(
    `UPDATE publishing_dlq
     SET replay_result = $3, replay_job_id = COALESCE(replay_job_id, $2), updated_at = $4
     WHERE id = $1 AND replayed = true AND (replay_job_id IS NULL OR replay_job_id = $2)`,
    [id, jobId, result, iso(nowMs)],
  );
  return updated.rowCount === 1;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The entries of `ids` (any not a UUID skipped), in the order of `ids`. */
export async function readEntries(db: Db, ids: readonly string[]): Promise<DlqEntry[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  const result = await db.query<DlqRow>(
    `SELECT ${DLQ_COLUMNS} FROM publishing_dlq WHERE id = ANY($1::uuid[])`,
    [valid],
  );
  return inOrder(valid, result.rows.map(toEntry));
}

function inOrder(ids: readonly string[], entries: readonly DlqEntry[]): DlqEntry[] {
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
