import type { Db } from '../../db/db.js';
import type { DeadLetter } from '../../domain/dead-letter.js';
import { attemptToJson } from '../../domain/attempt-json.js';
import type { AttemptRecord, JobError } from '../../domain/job.js';
import { appendAttemptSql } from './append-attempt-sql.js';
import { WAKE_CHANNEL } from './durable-config.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';
import { adjustJobCounts } from './job-counts.js';
import type { ClaimedRow } from './job-row.js';
import { FINAL_STATES_SQL } from './job-row.js';

/** How an attempt (or a claim that was never started) ends, as written back to its row. */
export type Completion =
  | { kind: 'succeeded'; id: string }
  | { kind: 'retry'; id: string; dueAtMs: number; countsRetry: boolean; error: JobError }
  | { kind: 'dead'; id: string; error: JobError; letter: DeadLetter }
  /**
   * A newer job of its (target, fingerprint) waits: this older state is not sent again. At a
   * claim (no attempt made: `error` absent), the attempt it was charged is refunded.
   */
  | { kind: 'superseded'; id: string; by: string; error?: JobError }
  /** Claimed but not started: back to waiting, the attempt it was charged refunded. */
  | { kind: 'release'; id: string; waitingState: 'queued' | 'retrying' };

/** A completion and the attempt it follows, if one was made (a release has none). */
export interface CompletionItem {
  completion: Completion;
  attempt?: AttemptRecord | undefined;
  /** The claimed row's counters as the dispatcher left them (a retry counts when it starts). */
  counters: Pick<ClaimedRow, 'retries' | 'is_retry_counted'>;
}

/**
 * Commits a batch of completions in one transaction: one `unnest` UPDATE guarded by the owner
 * (a row this instance no longer owns is left alone and not returned; rows are given in id
 * order so that two transactions touching the same rows lock them in the same order) that also
 * appends each attempt to the row's history (the last MAX_ATTEMPT_HISTORY kept), the dead
 * letters of the rows that were updated, the active counts of the finished ones, and a NOTIFY
 * when a row went back to waiting. Returns the ids written.
 */
export async function finishJobs(
  db: Db,
  owner: string,
  nowMs: number,
  items: readonly CompletionItem[],
  insertDeadLetters: DeadLetterInsert,
): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const sorted = [...items].sort((a, b) => compareIds(a.completion.id, b.completion.id));
  const completions = sorted.map((item) => item.completion);
  return db.transaction(async (tx) => {
    const result = await tx.query<{ id: string; priority: string; target_name: string }>(
      `UPDATE publishing_jobs AS j SET state = c.state, updated_at = $2,
         completed_at = CASE WHEN c.state IN ${FINAL_STATES_SQL}
           THEN $2::timestamptz END,
         due_at = coalesce(c.due_at, j.due_at),
         retries = c.retries, is_retry_counted = c.is_retry_counted,
         attempts = j.attempts - c.refund,
         error_type = coalesce(c.error_type, j.error_type),
         error_reason = coalesce(c.error_reason, j.error_reason),
         http_status = CASE WHEN c.error_type IS NULL THEN j.http_status ELSE c.http_status END,
         error_message = coalesce(c.error_message, j.error_message),
         superseded_by = c.superseded_by,
         attempt_log = CASE WHEN c.attempt IS NULL THEN j.attempt_log
           ELSE ${appendAttemptSql('j.attempt_log', 'c.attempt::jsonb')} END,
         lease_owner = NULL
       FROM unnest($3::uuid[], $4::text[], $5::timestamptz[], $6::int[], $7::int[], $8::text[],
         $9::text[], $10::int[], $11::text[], $12::uuid[], $13::text[], $14::boolean[])
         AS c(id, state, due_at, retries, refund, error_type, error_reason, http_status,
           error_message, superseded_by, attempt, is_retry_counted)
       WHERE j.id = c.id AND j.state = 'processing' AND j.lease_owner = $1
       RETURNING j.id, j.priority, j.target_name`,
      [
        owner,
        new Date(nowMs).toISOString(),
        completions.map((c) => c.id),
        completions.map(stateOf),
        completions.map((c) => (c.kind === 'retry' ? new Date(c.dueAtMs).toISOString() : null)),
        sorted.map((item) => item.counters.retries),
        // The claim charged an attempt; one never made (released, superseded or dead-lettered
        // before it started) is refunded.
        sorted.map((item) => (item.attempt === undefined ? 1 : 0)),
        completions.map((c) => errorOf(c)?.type ?? null),
        completions.map((c) => errorOf(c)?.reason ?? null),
        completions.map((c) => errorOf(c)?.status ?? null),
        completions.map((c) => errorOf(c)?.message ?? null),
        completions.map((c) => (c.kind === 'superseded' ? c.by : null)),
        sorted.map((item) =>
          item.attempt === undefined ? null : JSON.stringify(attemptToJson(item.attempt)),
        ),
        // The retry a job now waits for counts as the decision said; a release keeps its own.
        sorted.map(({ completion: c, counters }) =>
          c.kind === 'retry' ? c.countsRetry : counters.is_retry_counted,
        ),
      ],
      { name: 'durable_finish' },
    );
    const written = new Set(result.rows.map((row) => row.id));
    const letters: DeadLetter[] = [];
    let backToWaiting = false;
    for (const c of completions) {
      if (!written.has(c.id)) continue;
      if (c.kind === 'dead') letters.push(c.letter);
      if (c.kind === 'release') backToWaiting = true;
    }
    const final = new Set(completions.filter((c) => isFinal(c)).map((c) => c.id));
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

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isFinal(c: Completion): boolean {
  return c.kind === 'succeeded' || c.kind === 'dead' || c.kind === 'superseded';
}

function stateOf(c: Completion): string {
  switch (c.kind) {
    case 'succeeded':
      return 'succeeded';
    case 'retry':
      return 'retrying';
    case 'dead':
      return 'dlq';
    case 'superseded':
      return 'superseded';
    case 'release':
      return c.waitingState;
  }
}

function errorOf(c: Completion): JobError | undefined {
  return c.kind === 'retry' || c.kind === 'dead' || c.kind === 'superseded' ? c.error : undefined;
}
