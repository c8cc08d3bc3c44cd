import { attemptToJson, attemptsFromJson } from '../domain/attempt-json.js';
import type { DlqEntry } from './dlq-entry.js';

/** The SELECT list of every read that returns entries. */
export const DLQ_COLUMNS = `id, job_id, fingerprint, target_name, target_type, enriched_alert,
  target_config, error_message, error_type, error_reason, http_status, retry_count,
  last_retry_at, priority, failed_at, created_at, updated_at, replayed, replayed_at,
  replay_result, replay_job_id, replay_of, submitted_at, attempts, possibly_delivered`;

/** Times arrive as Date from both drivers; strings are accepted for safety. The CHECK
 * constraints guarantee the vocabularies. */
type Time = Date | string;
type TimeColumn = 'failed_at' | 'created_at' | 'updated_at';
type NullableTimeColumn = 'last_retry_at' | 'replayed_at' | 'submitted_at';

/** A row as the drivers return it: the entry with Date-valued times. */
export type DlqRow = Omit<DlqEntry, TimeColumn | NullableTimeColumn | 'attempts' | 'superseded'> &
  Record<TimeColumn, Time> &
  Record<NullableTimeColumn, Time | null> & { attempts: unknown };

export function isoTime(value: Time): string {
  return new Date(value).toISOString();
}

function isoOrNull(value: Time | null): string | null {
  return value === null ? null : isoTime(value);
}

export function toEntry(row: DlqRow): DlqEntry {
  return {
    ...row,
    last_retry_at: isoOrNull(row.last_retry_at),
    failed_at: isoTime(row.failed_at),
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
    replayed_at: isoOrNull(row.replayed_at),
    submitted_at: isoOrNull(row.submitted_at),
    attempts: attemptsFromJson(row.attempts).map(attemptToJson),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs; anything that is not a UUID cannot name an entry (and would be a SQL error). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
