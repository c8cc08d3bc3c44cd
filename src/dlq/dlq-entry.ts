import type { Alert, Classification } from '../domain/alert.js';
import type { AttemptJson } from '../domain/attempt-json.js';
import type { ErrorType, FailureReason } from '../domain/failure.js';
import type { Priority } from '../domain/job.js';
import type { TargetType } from '../domain/target.js';

/**
 * A row of `publishing_dlq` as the repository returns it. Field names are the column names,
 * which are also the HTTP API's (snake_case); times are ISO-8601 UTC strings.
 */
export const REPLAY_RESULTS = ['submitted', 'succeeded', 'failed', 'superseded'] as const;
export type ReplayResult = (typeof REPLAY_RESULTS)[number];

export interface DlqEntry {
  id: string;
  job_id: string;
  fingerprint: string;
  target_name: string;
  /** Null: the target was absent from the config when its job was dead-lettered (migration 0013). */
  target_type: TargetType | null;
  enriched_alert: { alert: Alert; classification?: Classification };
  target_config: Record<string, unknown>;
  error_message: string;
  error_type: ErrorType;
  error_reason: FailureReason;
  http_status: number | null;
  retry_count: number;
  last_retry_at: string | null;
  priority: Priority;
  failed_at: string;
  created_at: string;
  updated_at: string;
  replayed: boolean;
  replayed_at: string | null;
  replay_result: ReplayResult | null;
  replay_job_id: string | null;
  replay_of: string | null;
  /** When its job was submitted (null for letters written before migration 0008). */
  submitted_at: string | null;
  /** The job's last attempts, oldest first. */
  attempts: AttemptJson[];
  /** Its attempt was in flight when a stop gave up on it: the target may have it. */
  possibly_delivered: boolean;
  /**
   * A newer state of its alert was sent to its target or is about to be (reads only: list, get):
   * replaying it would send an older state (docs/alert-state.md).
   */
  superseded?: boolean;
}

export interface DlqFilter {
  target?: string;
  error_type?: ErrorType;
  reason?: FailureReason;
  priority?: Priority;
  replayed?: boolean;
  /** Letters of attempts a stop gave up on in flight (the target may have them). */
  possibly_delivered?: boolean;
  fingerprint?: string;
  /** epoch ms, inclusive */
  failed_after?: number;
  /** epoch ms, exclusive */
  failed_before?: number;
}

export interface DlqPageRequest {
  filter: DlqFilter;
  /** default 100, max 1000 */
  limit?: number;
  offset?: number;
  /** Keyset cursor: an opaque string from a previous page's `next_cursor`. */
  before?: string;
}

export interface DlqPage {
  entries: DlqEntry[];
  /** Exact up to 10 000; beyond that a lower bound and `total_is_lower_bound` is true. */
  total: number;
  total_is_lower_bound: boolean;
  limit: number;
  offset: number;
  /** Cursor for the next (older) page, null on the last page. */
  next_cursor: string | null;
}

/** Entries of one target that failed for one reason: what broke, and where. */
export interface DlqGroupCount {
  target: string;
  reason: FailureReason;
  count: number;
  replayed: number;
}

export interface DlqStats {
  total: number;
  replayed: number;
  by_error_type: Partial<Record<ErrorType, number>>;
  by_target: Record<string, number>;
  by_priority: Partial<Record<Priority, number>>;
  /** Largest count first. */
  by_target_reason: DlqGroupCount[];
  oldest_failed_at: string | null;
  newest_failed_at: string | null;
}
