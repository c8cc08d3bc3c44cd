import type { ErrorType, FailureReason } from '../domain/failure.js';
import type { Priority } from '../domain/job.js';
import type { Db } from '../db/db.js';
import type { DlqStats } from './dlq-entry.js';
import { isoTime } from './dlq-row.js';

interface StatsRow {
  /** grouping(error_type, target_name, priority, error_reason): a bit per column not grouped. */
  g: number;
  error_type: ErrorType | null;
  target_name: string | null;
  priority: Priority | null;
  error_reason: FailureReason | null;
  n: number;
  replayed: number;
  oldest: Date | string | null;
  newest: Date | string | null;
}

const BY_ERROR_TYPE = 0b0111;
const BY_TARGET = 0b1011;
const BY_PRIORITY = 0b1101;
const BY_TARGET_REASON = 0b1010;
const OVERALL = 0b1111;

/** One sequential scan computes every figure (GROUPING SETS), O(table size). */
export async function dlqStats(db: Db): Promise<DlqStats> {
  const result = await db.query<StatsRow>(
    `SELECT grouping(error_type, target_name, priority, error_reason)::int AS g, error_type,
       target_name, priority, error_reason, count(*)::int AS n,
       count(*) FILTER (WHERE replayed)::int AS replayed,
       min(failed_at) AS oldest, max(failed_at) AS newest
     FROM publishing_dlq
     GROUP BY GROUPING SETS ((error_type), (target_name), (priority), (target_name, error_reason), ())`,
  );
  const stats: DlqStats = {
    total: 0,
    replayed: 0,
    by_error_type: {},
    by_target: {},
    by_priority: {},
    by_target_reason: [],
    oldest_failed_at: null,
    newest_failed_at: null,
  };
  for (const row of result.rows) {
    if (row.g === OVERALL) {
      stats.total = row.n;
      stats.replayed = row.replayed;
      stats.oldest_failed_at = row.oldest === null ? null : isoTime(row.oldest);
      stats.newest_failed_at = row.newest === null ? null : isoTime(row.newest);
    } else if (row.g === BY_ERROR_TYPE && row.error_type !== null) {
      stats.by_error_type[row.error_type] = row.n;
    } else if (row.g === BY_TARGET && row.target_name !== null) {
      stats.by_target[row.target_name] = row.n;
    } else if (row.g === BY_PRIORITY && row.priority !== null) {
      stats.by_priority[row.priority] = row.n;
    } else if (
      row.g === BY_TARGET_REASON &&
      row.target_name !== null &&
      row.error_reason !== null
    ) {
      stats.by_target_reason.push({
        target: row.target_name,
        reason: row.error_reason,
        count: row.n,
        replayed: row.replayed,
      });
    }
  }
  stats.by_target_reason.sort(
    (a, b) =>
      b.count - a.count || a.target.localeCompare(b.target) || a.reason.localeCompare(b.reason),
  );
  return stats;
}
