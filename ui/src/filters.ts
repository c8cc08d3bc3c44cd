import { ERROR_TYPES, FAILURE_REASONS } from '../../src/domain/failure.js';
import { PRIORITIES } from '../../src/domain/job.js';

/** The DLQ's filter fields (docs/api.md). */
export const DLQ_FILTER_KEYS = [
  'target',
  'reason',
  'error_type',
  'priority',
  'replayed',
  'fingerprint',
  'failed_after',
  'failed_before',
] as const;
export type DlqFilterKey = (typeof DLQ_FILTER_KEYS)[number];
export type DlqFilter = Partial<Record<DlqFilterKey, string>>;

/** The filters with a closed vocabulary offer the server's own lists: what the API accepts. */
export const DLQ_FILTER_OPTIONS = {
  reason: FAILURE_REASONS,
  error_type: ERROR_TYPES,
  priority: PRIORITIES,
} as const satisfies Partial<Record<DlqFilterKey, readonly string[]>>;

/** Known keys with non-empty values from a query string; the rest is dropped. */
export function dlqFilterOf(query: URLSearchParams): DlqFilter {
  const filter: DlqFilter = {};
  for (const key of DLQ_FILTER_KEYS) {
    const value = query.get(key);
    if (value !== null && value !== '') filter[key] = value;
  }
  return filter;
}

/** The bulk-replay body's `filters`: the same fields, `replayed` as a boolean. */
export function bulkFilters(filter: DlqFilter): Record<string, string | boolean> {
  const body: Record<string, string | boolean> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    body[key] = key === 'replayed' ? value === 'true' : value;
  }
  return body;
}
