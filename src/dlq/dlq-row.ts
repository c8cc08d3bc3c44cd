import type { Alert, Classification } from '../domain/alert.js';
import type { ErrorType, FailureReason } from '../domain/failure.js';
import type { Priority } from '../domain/job.js';
import type { TargetType } from '../domain/target.js';
import type { DlqEntry, ReplayResult } from './dlq-entry.js';

/** The SELECT list of every read that returns entries. */
export const DLQ_COLUMNS = `id, job_id, fingerprint, target_name, target_type, enriched_alert,
  target_config, error_message, error_type, error_reason, http_status, retry_count,
  last_retry_at, priority, failed_at, created_at, updated_at, replayed, replayed_at,
  replay_result, replay_job_id, replay_of`;

/** Times arrive as Date from both drivers; strings are accepted for safety. The CHECK
 * constraints guarantee the vocabularies. */
type Time = Date | string;
export interface DlqRow {
  id: string;
  job_id: string;
  fingerprint: string;
  target_name: string;
  target_type: TargetType;
  enriched_alert: { alert: Alert; classification?: Classification };
  target_config: Record<string, unknown>;
  error_message: string;
  error_type: ErrorType;
  error_reason: FailureReason;
  http_status: number | null;
  retry_count: number;
  last_retry_at: Time | null;
  priority: Priority;
  failed_at: Time;
  created_at: Time;
  updated_at: Time;
  replayed: boolean;
  replayed_at: Time | null;
  replay_result: ReplayResult | null;
  replay_job_id: string | null;
  replay_of: string | null;
}

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
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs; anything that is not a UUID cannot name an entry (and would be a SQL error). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
