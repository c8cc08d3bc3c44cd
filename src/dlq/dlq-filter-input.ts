import { AppError } from '../domain/errors.js';
import type { ErrorType, FailureReason } from '../domain/failure.js';
import type { Priority } from '../domain/job.js';
import { isStorableTimeMs } from '../domain/storable-time.js';
import type { DlqFilter } from './dlq-entry.js';
import { purgeAgeOf } from './purge-age.js';

/**
 * DLQ filter and purge values as they arrive (query, bulk-replay body, CLI flags), checked
 * beyond their JSON schema: a time PostgreSQL cannot hold or an age past any sane bound is a
 * 400 naming the field, never a failed query.
 */
export interface DlqFilterInput {
  target?: string;
  error_type?: ErrorType;
  reason?: FailureReason;
  priority?: Priority;
  replayed?: boolean;
  possibly_delivered?: boolean;
  fingerprint?: string;
  /** ISO-8601 */
  failed_after?: string;
  failed_before?: string;
}

/** `at` names where the fields are: `query`, `body.filters`, or `` for CLI flags. */
export function toDlqFilter(input: DlqFilterInput, at = 'query'): DlqFilter {
  const { failed_after, failed_before, ...rest } = input;
  const filter: DlqFilter = { ...rest };
  if (failed_after !== undefined)
    filter.failed_after = timeMs(failed_after, field(at, 'failed_after'));
  if (failed_before !== undefined) {
    filter.failed_before = timeMs(failed_before, field(at, 'failed_before'));
  }
  return filter;
}

/** A purge age (dlq/purge-age.ts) in ms; a 400 naming `path` when refused. */
export function purgeAgeMs(text: string, path: string): number {
  const age = purgeAgeOf(text);
  if ('problem' in age) throw invalid(path, age.problem);
  return age.ms;
}

function timeMs(text: string, path: string): number {
  const ms = Date.parse(text);
  if (!isStorableTimeMs(ms)) {
    throw invalid(path, 'must be an ISO-8601 time from year 0001 to 9999');
  }
  return ms;
}

function field(at: string, name: string): string {
  return at === '' ? name : `${at}.${name}`;
}

function invalid(path: string, message: string): AppError {
  return new AppError('invalid_request', `${path}: ${message}`, { details: [{ path, message }] });
}
