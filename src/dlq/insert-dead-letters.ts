import type { Clock } from '../domain/clock.js';
import type { DeadLetter } from '../domain/dead-letter.js';
import type { Db } from '../db/db.js';
import { attemptToJson } from '../domain/attempt-json.js';
import { redactTargetConfig, redactUrlsInText } from '../domain/redact.js';

/**
 * Rows per statement. The batch travels as one JSON parameter, so the 65 535-parameter limit
 * never applies and the client serialises with one JSON.stringify (an array parameter per
 * column cost ~3x more in node-postgres' array escaping); the chunk only bounds one
 * statement's size (~1 KiB per letter). The parameter is read as jsonb, parsed once: with
 * json_to_recordset the server lexed it twice (json input, then the record walk) and parsed
 * each alert a third time into its jsonb column, ~15 µs of CPU per row more
 * (bench/scenarios/dlq-write-profile.ts). COPY through a temporary table was no faster.
 */
export const INSERT_CHUNK_ROWS = 2000;

const INSERT = `INSERT INTO publishing_dlq (job_id, fingerprint, target_name, target_type,
  enriched_alert, target_config, error_message, error_type, error_reason, http_status,
  retry_count, last_retry_at, priority, failed_at, replay_of, submitted_at, submit_seq, attempts,
  possibly_delivered, created_at, updated_at)
SELECT r.*, $2::timestamptz, $2::timestamptz
FROM jsonb_to_recordset($1::jsonb) AS r(job_id uuid, fingerprint text, target_name text,
  target_type text, enriched_alert jsonb, target_config jsonb, error_message text,
  error_type text, error_reason text, http_status int, retry_count int,
  last_retry_at timestamptz, priority text, failed_at timestamptz, replay_of uuid,
  submitted_at timestamptz, submit_seq bigint, attempts jsonb, possibly_delivered boolean)
ON CONFLICT (job_id) DO NOTHING`;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Stores dead letters, `INSERT_CHUNK_ROWS` per statement, all chunks in one transaction.
 * Idempotent on job_id: a write retried after a commit it never saw acknowledged inserts
 * nothing twice. Returns the number of rows actually inserted. Throws on any failure.
 * Invariant: failed_at has millisecond precision (the list cursor relies on it).
 */
export async function insertDeadLetters(
  db: Db,
  clock: Clock,
  letters: readonly DeadLetter[],
): Promise<number> {
  if (letters.length === 0) return 0;
  const now = iso(clock.now());
  const insertChunk = async (target: Db, chunk: readonly DeadLetter[]): Promise<number> =>
    (await target.query(INSERT, [JSON.stringify(inSubmissionOrder(chunk).map(toRecord)), now]))
      .rowCount;
  // One statement is atomic by itself: no BEGIN/COMMIT round trips for the usual small write.
  if (letters.length <= INSERT_CHUNK_ROWS) return insertChunk(db, letters);
  return db.transaction(async (tx) => {
    let inserted = 0;
    for (let start = 0; start < letters.length; start += INSERT_CHUNK_ROWS) {
      inserted += await insertChunk(tx, letters.slice(start, start + INSERT_CHUNK_ROWS));
    }
    return inserted;
  });
}

/** Below this many rows per statement, splitting a write costs more round trips than it saves. */
export const MIN_PARALLEL_CHUNK_ROWS = 250;
/** Statements in flight at once for one write (the pool is shared with everything else). */
export const MAX_PARALLEL_STATEMENTS = 4;

/**
 * The repository's write on a server: a write of more than MIN_PARALLEL_CHUNK_ROWS is split
 * into up to MAX_PARALLEL_STATEMENTS statements run at once on separate pool connections, so
 * the server parses and indexes them on several cores (one backend spends ~45-60 µs of CPU
 * per row, ~40% of it in ten index inserts: ~20 000 rows/s per idle core at best). No
 * transaction spans them: if one fails the write throws, the caller retries it all, and
 * rows already committed are skipped (ON CONFLICT (job_id) DO NOTHING). PGlite has one
 * connection: one statement per chunk, in a transaction.
 */
export async function insertDeadLettersInParallel(
  db: Db,
  clock: Clock,
  letters: readonly DeadLetter[],
): Promise<number> {
  if (db.kind === 'pglite' || letters.length <= MIN_PARALLEL_CHUNK_ROWS) {
    return insertDeadLetters(db, clock, letters);
  }
  const size = Math.min(
    INSERT_CHUNK_ROWS,
    Math.max(MIN_PARALLEL_CHUNK_ROWS, Math.ceil(letters.length / MAX_PARALLEL_STATEMENTS)),
  );
  const chunks: Array<readonly DeadLetter[]> = [];
  for (let start = 0; start < letters.length; start += size) {
    chunks.push(letters.slice(start, start + size));
  }
  let next = 0;
  let inserted = 0;
  const worker = async (): Promise<void> => {
    for (let chunk = chunks[next++]; chunk !== undefined; chunk = chunks[next++]) {
      // Not `inserted += await …`: that reads `inserted` before the await and loses updates.
      const rows = await insertDeadLetters(db, clock, chunk);
      inserted += rows;
    }
  };
  const workers = Array.from({ length: Math.min(MAX_PARALLEL_STATEMENTS, chunks.length) }, worker);
  // allSettled: every statement has finished (none still running) before the write reports.
  const results = await Promise.allSettled(workers);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return inserted;
}

/** Keys and order match the record definition of INSERT (exported for the write bench). */
export function toRecord(l: DeadLetter): Record<string, unknown> {
  return {
    job_id: l.jobId,
    fingerprint: l.alert.fingerprint,
    target_name: l.targetName,
    target_type: l.targetType,
    enriched_alert:
      l.classification === undefined
        ? { alert: l.alert }
        : { alert: l.alert, classification: l.classification },
    target_config: redactTargetConfig(l.targetConfig),
    error_message: redactUrlsInText(l.errorMessage),
    error_type: l.errorType,
    error_reason: l.errorReason,
    http_status: l.httpStatus ?? null,
    retry_count: l.retryCount,
    last_retry_at: l.lastRetryAt === undefined ? null : iso(l.lastRetryAt),
    priority: l.priority,
    failed_at: iso(l.failedAt),
    replay_of: l.replayOf ?? null,
    submitted_at: iso(l.submittedAt),
    submit_seq: l.submitSeq,
    attempts: l.attempts.map(attemptToJson),
    possibly_delivered: l.possiblyDelivered === true,
  };
}

/** Letters in the order their jobs were submitted (replays follow it: docs/alert-state.md). */
function inSubmissionOrder(letters: readonly DeadLetter[]): readonly DeadLetter[] {
  return [...letters].sort((a, b) => a.submittedAt - b.submittedAt || a.submitSeq - b.submitSeq);
}
