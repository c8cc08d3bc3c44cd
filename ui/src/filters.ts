/** The DLQ's filter fields and their closed vocabularies (docs/api.md). */
export const FAILURE_REASONS = [
  'rate_limited',
  'server_error',
  'timeout',
  'network',
  'circuit_open',
  'overflow',
  'shutdown',
  'auth_error',
  'client_error',
  'invalid_payload',
  'internal',
] as const;
export const ERROR_TYPES = ['transient', 'permanent', 'unknown'] as const;
export const PRIORITIES = ['high', 'medium', 'low'] as const;

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
