import { createHash } from 'node:crypto';

import type { DeadLetter } from '../domain/dead-letter.js';
import { ERROR_TYPES, FAILURE_REASONS } from '../domain/failure.js';
import { PRIORITIES } from '../domain/job.js';
import { isStorableTimeMs } from '../domain/storable-time.js';
import { storableJson, storableText } from '../domain/storable-text.js';
import { TARGET_TYPES } from '../domain/target.js';
import type { DlqRecord } from './dlq-record.js';
import { isUuid } from './dlq-row.js';

/**
 * What the DLQ keeps of a row the table refused (insert-dead-letters.ts), so that one letter
 * never blocks its batch and none is dropped:
 * - `sanitisedCopy`: every column brought inside what the table accepts (the CHECK
 *   vocabularies, UUIDs, HTTP status 100-599, years 0001-9999); the alert is kept, the values
 *   replaced are listed in the error message with the database's reason.
 * - `textCopy`, when even that is refused or the letter cannot be written as JSON: the whole
 *   letter as JSON text in the error message, a placeholder alert and no target config.
 * Both are deterministic (a job id that is not a UUID becomes a name-based one), so a write
 * retried after a commit it never saw stores the copy once.
 */
const MAX_INT = 2_147_483_647;
const FINGERPRINT = /^[0-9a-f]{16}$/;

export function sanitisedCopy(record: DlqRecord, reason: string, nowIso: string): DlqRecord {
  const replaced: Record<string, unknown> = {};
  const keep = <T>(column: keyof DlqRecord, ok: boolean, value: T, fallback: T): T => {
    if (ok) return value;
    replaced[column] = value;
    return fallback;
  };
  const copy: DlqRecord = {
    job_id: keep('job_id', isUuid(record.job_id), record.job_id, nameBasedUuid(record.job_id)),
    fingerprint: record.fingerprint,
    target_name: record.target_name,
    target_type: keep(
      'target_type',
      record.target_type === null || oneOf(TARGET_TYPES, record.target_type),
      record.target_type,
      null,
    ),
    enriched_alert: storableJson(record.enriched_alert),
    target_config: storableJson(record.target_config),
    error_message: '',
    error_type: keep(
      'error_type',
      oneOf(ERROR_TYPES, record.error_type),
      record.error_type,
      'unknown',
    ),
    error_reason: keep(
      'error_reason',
      oneOf(FAILURE_REASONS, record.error_reason),
      record.error_reason,
      'internal',
    ),
    http_status: keep(
      'http_status',
      record.http_status === null || isIntIn(record.http_status, 100, 599),
      record.http_status,
      null,
    ),
    retry_count: keep(
      'retry_count',
      isIntIn(record.retry_count, 0, MAX_INT),
      record.retry_count,
      0,
    ),
    last_retry_at: keep(
      'last_retry_at',
      record.last_retry_at === null || isTime(record.last_retry_at),
      record.last_retry_at,
      null,
    ),
    priority: keep('priority', oneOf(PRIORITIES, record.priority), record.priority, 'low'),
    failed_at: keep('failed_at', isTime(record.failed_at), record.failed_at, nowIso),
    replay_of: keep(
      'replay_of',
      record.replay_of === null || isUuid(record.replay_of),
      record.replay_of,
      null,
    ),
    submitted_at: keep('submitted_at', isTime(record.submitted_at), record.submitted_at, nowIso),
    submit_seq: keep('submit_seq', Number.isSafeInteger(record.submit_seq), record.submit_seq, 0),
    attempts: storableJson(record.attempts),
    possibly_delivered: record.possibly_delivered,
  };
  copy.error_message = storableText(
    `${record.error_message} [stored as a sanitised copy: ${reason}; original values: ${JSON.stringify(replaced)}]`,
  );
  return copy;
}

export function textCopy(letter: DeadLetter, reason: string, nowIso: string): DlqRecord {
  const fingerprint = FINGERPRINT.test(letter.alert.fingerprint)
    ? letter.alert.fingerprint
    : '0000000000000000';
  const record: DlqRecord = {
    job_id: storableText(letter.jobId),
    fingerprint,
    target_name: storableText(letter.targetName),
    target_type: letter.targetType,
    enriched_alert: {
      alert: {
        status: letter.alert.status === 'resolved' ? 'resolved' : 'firing',
        labels: { alertname: 'UnstorableDeadLetter' },
        annotations: { summary: 'the dead letter is kept as text in error_message' },
        startsAt: '0001-01-01T00:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint,
      },
    },
    target_config: {},
    error_message: storableText(
      `${letter.errorMessage} [stored as text: ${reason}; letter: ${letterText(letter)}]`,
    ),
    error_type: letter.errorType,
    error_reason: letter.errorReason,
    http_status: letter.httpStatus ?? null,
    retry_count: letter.retryCount,
    last_retry_at: null,
    priority: letter.priority,
    failed_at: isStorableTimeMs(letter.failedAt) ? new Date(letter.failedAt).toISOString() : nowIso,
    replay_of: letter.replayOf ?? null,
    submitted_at: isStorableTimeMs(letter.submittedAt)
      ? new Date(letter.submittedAt).toISOString()
      : nowIso,
    submit_seq: letter.submitSeq,
    attempts: [],
    possibly_delivered: letter.possiblyDelivered === true,
  };
  // The scalar columns still go through the sanitised copy's checks.
  return { ...sanitisedCopy(record, reason, nowIso), error_message: record.error_message };
}

/** The letter as JSON, else without its target config, else only its alert. */
function letterText(letter: DeadLetter): string {
  const attempts: Array<() => unknown> = [
    () => letter,
    () => ({ ...letter, targetConfig: '(not writable as JSON)' }),
    () => ({ jobId: letter.jobId, targetName: letter.targetName, alert: letter.alert }),
  ];
  for (const attempt of attempts) {
    try {
      return JSON.stringify(attempt());
    } catch (error: unknown) {
      // Too deep or cyclic for JSON.stringify: try with less of the letter.
      if (!(error instanceof Error)) throw error;
    }
  }
  return '(not writable as JSON)';
}

function oneOf(vocabulary: readonly string[], value: string): boolean {
  return vocabulary.includes(value);
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function isTime(text: string): boolean {
  return /^\d{4}-\d\d-\d\dT/.test(text) && isStorableTimeMs(Date.parse(text));
}

/** A version-5-style UUID named by `text` (SHA-256, not SHA-1: only stability matters here). */
export function nameBasedUuid(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
