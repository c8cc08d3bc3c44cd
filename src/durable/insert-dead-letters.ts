import { randomUUID } from 'node:crypto';

import type { Db } from '../db/db.js';
import type { DeadLetter } from '../domain/dead-letter.js';

/** Writes dead letters inside the caller's transaction (so a final failure and its letter commit together). */
export type DeadLetterInsert = (tx: Db, letters: readonly DeadLetter[]) => Promise<void>;

/**
 * One `unnest` insert into publishing_dlq (migrations/0001): 17 array parameters whatever the
 * batch size, so no chunking under the 65 535-parameter limit is needed.
 */
export const insertDeadLetters: DeadLetterInsert = async (tx, letters) => {
  if (letters.length === 0) return;
  const iso = (ms: number | undefined): string | null =>
    ms === undefined ? null : new Date(ms).toISOString();
  await tx.query(
    `INSERT INTO publishing_dlq (id, job_id, fingerprint, target_name, target_type, enriched_alert,
       target_config, error_message, error_type, error_reason, http_status, retry_count,
       last_retry_at, priority, failed_at, created_at, updated_at, replayed, replay_of)
     SELECT u.id, u.job_id, u.fingerprint, u.target_name, u.target_type, u.enriched::jsonb,
       u.config::jsonb, u.message, u.error_type, u.reason, u.http_status, u.retry_count,
       u.last_retry_at, u.priority, u.failed_at, u.failed_at, u.failed_at, false, u.replay_of
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
       $7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::int[],
       $13::timestamptz[], $14::text[], $15::timestamptz[], $16::uuid[])
       AS u(id, job_id, fingerprint, target_name, target_type, enriched, config, message,
         error_type, reason, http_status, retry_count, last_retry_at, priority, failed_at, replay_of)`,
    [
      letters.map(() => randomUUID()),
      letters.map((l) => l.jobId),
      letters.map((l) => l.alert.fingerprint),
      letters.map((l) => l.targetName),
      letters.map((l) => l.targetType),
      letters.map((l) =>
        JSON.stringify(
          l.classification === undefined
            ? { alert: l.alert }
            : { alert: l.alert, classification: l.classification },
        ),
      ),
      letters.map((l) => JSON.stringify(l.targetConfig)),
      letters.map((l) => l.errorMessage),
      letters.map((l) => l.errorType),
      letters.map((l) => l.errorReason),
      letters.map((l) => l.httpStatus ?? null),
      letters.map((l) => l.retryCount),
      letters.map((l) => iso(l.lastRetryAt)),
      letters.map((l) => l.priority),
      letters.map((l) => iso(l.failedAt)),
      letters.map((l) => l.replayOf ?? null),
    ],
  );
};
