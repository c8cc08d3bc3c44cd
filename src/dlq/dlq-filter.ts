import { AppError } from '../domain/errors.js';
import { isStorableText } from '../domain/storable-text.js';
import { isStorableTimeMs } from '../domain/storable-time.js';
import type { DlqFilter } from './dlq-entry.js';
import { isUuid } from './dlq-row.js';

/**
 * Builds a parameterised WHERE clause; values are appended to `params`, never spliced into
 * the text. Each equality column leads a `(column, failed_at, id)` index, scanned backward for
 * newest first.
 */
export function whereClause(filter: DlqFilter, params: unknown[]): string {
  const conditions: string[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown): void => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  const text = (name: keyof DlqFilter, value: string): string => {
    if (!isStorableText(value)) throw invalidFilter(name, 'must not hold NUL or lone surrogates');
    return value;
  };
  const time = (name: keyof DlqFilter, ms: number): string => {
    if (!isStorableTimeMs(ms)) throw invalidFilter(name, 'must be a time from year 0001 to 9999');
    return new Date(ms).toISOString();
  };
  if (filter.target !== undefined) add((p) => `target_name = ${p}`, text('target', filter.target));
  if (filter.error_type !== undefined) add((p) => `error_type = ${p}`, filter.error_type);
  if (filter.reason !== undefined) add((p) => `error_reason = ${p}`, filter.reason);
  if (filter.priority !== undefined) add((p) => `priority = ${p}`, filter.priority);
  if (filter.fingerprint !== undefined) {
    add((p) => `fingerprint = ${p}`, text('fingerprint', filter.fingerprint));
  }
  // Literal true/false (not a parameter) so the planner can match the partial index.
  if (filter.replayed !== undefined) conditions.push(`replayed = ${String(filter.replayed)}`);
  if (filter.possibly_delivered !== undefined) {
    conditions.push(`possibly_delivered = ${String(filter.possibly_delivered)}`);
  }
  if (filter.failed_after !== undefined) {
    add((p) => `failed_at >= ${p}::timestamptz`, time('failed_after', filter.failed_after));
  }
  if (filter.failed_before !== undefined) {
    add((p) => `failed_at < ${p}::timestamptz`, time('failed_before', filter.failed_before));
  }
  return conditions.length === 0 ? 'true' : conditions.join(' AND ');
}

/** The last guard for callers that did not check (the HTTP edge names the field better). */
function invalidFilter(name: string, message: string): AppError {
  return new AppError('invalid_request', `${name} ${message}`, {
    details: [{ path: name, message }],
  });
}

export interface Cursor {
  failedAt: string;
  id: string;
}

/** Opaque to clients: base64url of `failed_at|id` of the last entry of a page. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.failedAt}|${cursor.id}`).toString('base64url');
}

/** What a cursor is, for the 400 that refuses one that is not. */
const CURSOR_RULE = 'must be the next_cursor of a previous page, as it was returned';

/** `path` names where the text came from: `query.before`, `--before`. */
export function decodeCursor(text: string, path = 'before'): Cursor {
  const [failedAt = '', id = '', ...rest] = Buffer.from(text, 'base64url')
    .toString('utf8')
    .split('|');
  const ms = Date.parse(failedAt);
  if (!isUuid(id) || rest.length > 0 || !isStorableTimeMs(ms)) {
    throw new AppError('invalid_request', `${path}: ${CURSOR_RULE}`, {
      details: [{ path, message: CURSOR_RULE }],
    });
  }
  return { failedAt: new Date(ms).toISOString(), id };
}
