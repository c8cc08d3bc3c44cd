import { MAX_ATTEMPT_HISTORY } from '../../domain/job.js';

/**
 * SQL: the attempt log `log` (publishing_jobs.attempt_log, null before the first attempt) with
 * the attempt `attempt` (jsonb, AttemptJson of domain/attempt-json.ts) appended, the oldest
 * dropped beyond MAX_ATTEMPT_HISTORY: domain/job.ts `recordAttempt` for the statements that
 * write an attempt in place (a completion, a release of a lost instance's job). Both arguments
 * are SQL expressions, each read twice.
 */
export function appendAttemptSql(log: string, attempt: string): string {
  return `CASE WHEN jsonb_array_length(coalesce(${log}, '[]'::jsonb)) < ${MAX_ATTEMPT_HISTORY}
    THEN coalesce(${log}, '[]'::jsonb) || jsonb_build_array(${attempt})
    ELSE (${log} - 0) || jsonb_build_array(${attempt}) END`;
}
