import type { Clock } from '../domain/clock.js';
import type { DeadLetter } from '../domain/dead-letter.js';
import type { Db } from '../db/db.js';
import { redactTargetConfig, redactUrlsInText } from '../domain/redact.js';

/**
 * Rows per statement. The batch travels as one JSON parameter (json_to_recordset), so the
 * 65 535-parameter limit never applies and the client serialises with one JSON.stringify
 * (an array parameter per column cost ~3x more in node-postgres' array escaping); the chunk
 * only bounds one statement's size (~1 KiB per letter).
 */
export const INSERT_CHUNK_ROWS = 2000;

const INSERT = `INSERT INTO publishing_dlq (job_id, fingerprint, target_name, target_type,
  enriched_alert, target_config, error_message, error_type, error_reason, http_status,
  retry_count, last_retry_at, priority, failed_at, replay_of, created_at, updated_at)
SELECT r.*, $2::timestamptz, $2::timestamptz
FROM json_to_recordset($1::json) AS r(job_id uuid, fingerprint text, target_name text,
  target_type text, enriched_alert jsonb, target_config jsonb, error_message text,
  error_type text, error_reason text, http_status int, retry_count int,
  last_retry_at timestamptz, priority text, failed_at timestamptz, replay_of uuid)
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
    (await target.query(INSERT, [JSON.stringify(chunk.map(toRecord)), now])).rowCount;
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

/** Keys and order match the record definition of INSERT. */
function toRecord(l: DeadLetter): Record<string, unknown> {
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
  };
}
