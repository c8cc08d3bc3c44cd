import { ERROR_TYPES, FAILURE_REASONS } from '../../src/domain/failure.js';
import { PRIORITIES } from '../../src/domain/job.js';

/** The DLQ's filter fields (docs/api.md). */
export const DLQ_FILTER_KEYS = [
  'target',
  'reason',
  'error_type',
  'priority',
  'replayed',
  'possibly_delivered',
  'fingerprint',
  'failed_after',
  'failed_before',
] as const;
export type DlqFilterKey = (typeof DLQ_FILTER_KEYS)[number];
export type DlqFilter = Partial<Record<DlqFilterKey, string>>;

/** The filters the API reads as booleans (`true` or `false` in the URL and the query). */
export const DLQ_BOOLEAN_FILTERS: ReadonlySet<DlqFilterKey> = new Set([
  'replayed',
  'possibly_delivered',
]);

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

/** The bulk-replay body's `filters`: the same fields, the boolean ones as booleans. */
export function bulkFilters(filter: DlqFilter): Record<string, string | boolean> {
  const body: Record<string, string | boolean> = {};
  for (const key of DLQ_FILTER_KEYS) {
    const value = filter[key];
    if (value === undefined) continue;
    body[key] = DLQ_BOOLEAN_FILTERS.has(key) ? value === 'true' : value;
  }
  return body;
}

/**
 * A target filter's options: the configured targets, and the one chosen (from the URL) when it
 * is not among them, so a filter on a target no longer configured still shows as chosen.
 */
export function targetOptions(
  targetNames: readonly string[],
  chosen: string | undefined,
): readonly string[] {
  return chosen !== undefined && chosen !== '' && !targetNames.includes(chosen)
    ? [...targetNames, chosen]
    : targetNames;
}
