import type { Clock } from '../domain/clock.js';
import type { DeadLetter } from '../domain/dead-letter.js';
import type { Db } from '../db/db.js';
import { sanitiseConfig, sanitiseText } from './sanitise.js';

/**
 * Rows per statement. With `unnest` a statement has 16 parameters whatever its size, so the
 * 65 535-parameter limit never applies; the chunk only bounds one statement's memory.
 */
export const INSERT_CHUNK_ROWS = 2000;

const INSERT = `INSERT INTO publishing_dlq (job_id, fingerprint, target_name, target_type,
  enriched_alert, target_config, error_message, error_type, error_reason, http_status,
  retry_count, last_retry_at, priority, failed_at, replay_of, created_at, updated_at)
SELECT u.*, $16::timestamptz, $16::timestamptz
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[],
  $7::text[], $8::text[], $9::text[], $10::int[], $11::int[], $12::timestamptz[], $13::text[],
  $14::timestamptz[], $15::uuid[]) AS u
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
  return db.transaction(async (tx) => {
    let inserted = 0;
    for (let start = 0; start < letters.length; start += INSERT_CHUNK_ROWS) {
      const chunk = letters.slice(start, start + INSERT_CHUNK_ROWS);
      const result = await tx.query(INSERT, [...columnsOf(chunk), now]);
      inserted += result.rowCount;
    }
    return inserted;
  });
}

function columnsOf(letters: readonly DeadLetter[]): unknown[][] {
  const enriched = (l: DeadLetter): string =>
    JSON.stringify(
      l.classification === undefined
        ? { alert: l.alert }
        : { alert: l.alert, classification: l.classification },
    );
  return [
    letters.map((l) => l.jobId),
    letters.map((l) => l.alert.fingerprint),
    letters.map((l) => l.targetName),
    letters.map((l) => l.targetType),
    letters.map(enriched),
    letters.map((l) => JSON.stringify(sanitiseConfig(l.targetConfig))),
    letters.map((l) => sanitiseText(l.errorMessage)),
    letters.map((l) => l.errorType),
    letters.map((l) => l.errorReason),
    letters.map((l) => l.httpStatus ?? null),
    letters.map((l) => l.retryCount),
    letters.map((l) => (l.lastRetryAt === undefined ? null : iso(l.lastRetryAt))),
    letters.map((l) => l.priority),
    letters.map((l) => iso(l.failedAt)),
    letters.map((l) => l.replayOf ?? null),
  ];
}
