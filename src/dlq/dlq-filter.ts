import { AppError } from '../domain/errors.js';
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
  if (filter.target !== undefined) add((p) => `target_name = ${p}`, filter.target);
  if (filter.error_type !== undefined) add((p) => `error_type = ${p}`, filter.error_type);
  if (filter.reason !== undefined) add((p) => `error_reason = ${p}`, filter.reason);
  if (filter.priority !== undefined) add((p) => `priority = ${p}`, filter.priority);
  if (filter.fingerprint !== undefined) add((p) => `fingerprint = ${p}`, filter.fingerprint);
  // Literal true/false (not a parameter) so the planner can match the partial index.
  if (filter.replayed !== undefined) conditions.push(`replayed = ${String(filter.replayed)}`);
  if (filter.possibly_delivered !== undefined) {
    conditions.push(`possibly_delivered = ${String(filter.possibly_delivered)}`);
  }
  if (filter.failed_after !== undefined) {
    add((p) => `failed_at >= ${p}::timestamptz`, new Date(filter.failed_after).toISOString());
  }
  if (filter.failed_before !== undefined) {
    add((p) => `failed_at < ${p}::timestamptz`, new Date(filter.failed_before).toISOString());
  }
  return conditions.length === 0 ? 'true' : conditions.join(' AND ');
}

export interface Cursor {
  failedAt: string;
  id: string;
}

/** Opaque to clients: base64url of `failed_at|id` of the last entry of a page. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.failedAt}|${cursor.id}`).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const [failedAt = '', id = ''] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (!isUuid(id) || Number.isNaN(Date.parse(failedAt))) {
    throw new AppError('invalid_request', 'invalid cursor', {
      details: [{ path: 'before', message: 'not a cursor returned by a previous page' }],
    });
  }
  return { failedAt, id };
}
