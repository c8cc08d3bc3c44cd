import type { Db } from '../../db/db.js';
import type { DeadLetter } from '../../domain/dead-letter.js';
import type { JobError } from '../../domain/job.js';
import { WAKE_CHANNEL } from './durable-config.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';
import { adjustJobCounts } from './job-counts.js';

/** How an attempt (or a claim that was never started) ends, as written back to its row. */
export type Completion =
  | { kind: 'succeeded'; id: string }
  | { kind: 'retry'; id: string; dueAtMs: number; countsRetry: boolean; error: JobError }
  | { kind: 'dead'; id: string; error: JobError; letter: DeadLetter }
  /** Claimed but not started: back to waiting, the attempt it was charged refunded. */
  | { kind: 'release'; id: string; waitingState: 'queued' | 'retrying' };

/**
 * Commits a batch of completions in one transaction: one `unnest` UPDATE guarded by the owner
 * (a row this instance no longer owns is left alone and not returned; rows are given in id
 * order so that two transactions touching the same rows lock them in the same order), the
 * dead letters of the rows that were updated, the active counts of the finished ones, and a NOTIFY when a row went
 * back to waiting. Returns the ids written.
 */
export async function finishJobs(
  db: Db,
  owner: string,
  nowMs: number,
  completions: readonly Completion[],
  insertDeadLetters: DeadLetterInsert,
): Promise<Set<string>> {
  if (completions.length === 0) return new Set();
  const sorted = [...completions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return db.transaction(async (tx) => {
    const result = await tx.query<{ id: string; priority: string; target_name: string }>(
      `UPDATE publishing_jobs AS j SET state = c.state, updated_at = $2,
         completed_at = CASE WHEN c.state IN ('succeeded', 'dlq') THEN $2::timestamptz END,
         due_at = coalesce(c.due_at, j.due_at),
         retries = j.retries + c.retry_inc,
         attempts = j.attempts - c.refund,
         error_type = coalesce(c.error_type, j.error_type),
         error_reason = coalesce(c.error_reason, j.error_reason),
         http_status = CASE WHEN c.error_type IS NULL THEN j.http_status ELSE c.http_status END,
         error_message = coalesce(c.error_message, j.error_message),
         lease_owner = NULL
       FROM unnest($3::uuid[], $4::text[], $5::timestamptz[], $6::int[], $7::int[], $8::text[],
         $9::text[], $10::int[], $11::text[])
         AS c(id, state, due_at, retry_inc, refund, error_type, error_reason, http_status,
           error_message)
       WHERE j.id = c.id AND j.state = 'processing' AND j.lease_owner = $1
       RETURNING j.id, j.priority, j.target_name`,
      [
        owner,
        new Date(nowMs).toISOString(),
        sorted.map((c) => c.id),
        sorted.map(stateOf),
        sorted.map((c) => (c.kind === 'retry' ? new Date(c.dueAtMs).toISOString() : null)),
        sorted.map((c) => (c.kind === 'retry' && c.countsRetry ? 1 : 0)),
        sorted.map((c) => (c.kind === 'release' ? 1 : 0)),
        sorted.map((c) => errorOf(c)?.type ?? null),
        sorted.map((c) => errorOf(c)?.reason ?? null),
        sorted.map((c) => errorOf(c)?.status ?? null),
        sorted.map((c) => errorOf(c)?.message ?? null),
      ],
      { name: 'durable_finish' },
    );
    const written = new Set(result.rows.map((row) => row.id));
    const letters: DeadLetter[] = [];
    let backToWaiting = false;
    for (const c of sorted) {
      if (!written.has(c.id)) continue;
      if (c.kind === 'dead') letters.push(c.letter);
      if (c.kind === 'release') backToWaiting = true;
    }
    const final = new Set(
      sorted.filter((c) => c.kind === 'succeeded' || c.kind === 'dead').map((c) => c.id),
    );
    await adjustJobCounts(
      tx,
      result.rows
        .filter((row) => final.has(row.id))
        .map((row) => ({ priority: row.priority, target: row.target_name, delta: -1 })),
    );
    await insertDeadLetters(tx, letters);
    if (backToWaiting) await tx.query(`SELECT pg_notify('${WAKE_CHANNEL}', '')`);
    return written;
  });
}

function stateOf(c: Completion): string {
  switch (c.kind) {
    case 'succeeded':
      return 'succeeded';
    case 'retry':
      return 'retrying';
    case 'dead':
      return 'dlq';
    case 'release':
      return c.waitingState;
  }
}

function errorOf(c: Completion): JobError | undefined {
  return c.kind === 'retry' || c.kind === 'dead' ? c.error : undefined;
}
