import type { AttemptJson } from '../domain/attempt-json.js';
import { attemptToJson } from '../domain/attempt-json.js';
import type { DeadLetter } from '../domain/dead-letter.js';
import type { AttemptRecord } from '../domain/job.js';
import { redactTargetConfig, redactUrlsInText } from '../domain/redact.js';
import type { SecretMask } from '../domain/secret-mask.js';
import { storableJson, storableText } from '../domain/storable-text.js';

/**
 * A dead letter as one row of the insert's `jsonb_to_recordset` (keys and order match its
 * record definition). Every string in it is storable (storable-text.ts): a letter holding
 * NUL or a lone surrogate is stored with U+FFFD instead of being refused.
 */
export type DlqRecord = {
  job_id: string;
  fingerprint: string;
  target_name: string;
  target_type: string | null;
  enriched_alert: unknown;
  target_config: unknown;
  error_message: string;
  error_type: string;
  error_reason: string;
  http_status: number | null;
  retry_count: number;
  last_retry_at: string | null;
  priority: string;
  failed_at: string;
  replay_of: string | null;
  submitted_at: string;
  submit_seq: number;
  attempts: unknown;
  possibly_delivered: boolean;
};

/**
 * Epoch ms as ISO-8601. A value no Date can hold stays as its own text: the database refuses
 * that row like any other bad value, and the insert keeps a sanitised copy of it.
 */
export function isoOrText(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

const unmasked: SecretMask = (text) => text;

/** `mask` hides configured secrets in the error message (secret-mask.ts). Exported for the write bench. */
export function toRecord(l: DeadLetter, mask: SecretMask = unmasked): DlqRecord {
  return {
    job_id: storableText(l.jobId),
    fingerprint: storableText(l.alert.fingerprint),
    target_name: storableText(l.targetName),
    target_type: l.targetType,
    enriched_alert: storableJson(
      l.classification === undefined
        ? { alert: l.alert }
        : { alert: l.alert, classification: l.classification },
    ),
    target_config: storableJson(redactTargetConfig(l.targetConfig)),
    error_message: storableText(redactUrlsInText(mask(l.errorMessage))),
    error_type: l.errorType,
    error_reason: l.errorReason,
    http_status: l.httpStatus ?? null,
    retry_count: l.retryCount,
    last_retry_at: l.lastRetryAt === undefined ? null : isoOrText(l.lastRetryAt),
    priority: l.priority,
    failed_at: isoOrText(l.failedAt),
    replay_of: l.replayOf === undefined ? null : storableText(l.replayOf),
    submitted_at: isoOrText(l.submittedAt),
    submit_seq: l.submitSeq,
    attempts: storableJson(l.attempts.map((attempt) => attemptRecord(attempt, mask))),
    possibly_delivered: l.possiblyDelivered === true,
  };
}

/** An attempt as stored, its message masked like the error message. */
function attemptRecord(attempt: AttemptRecord, mask: SecretMask): AttemptJson {
  const json = attemptToJson(attempt);
  if (json.message !== undefined) json.message = redactUrlsInText(mask(json.message));
  return json;
}
