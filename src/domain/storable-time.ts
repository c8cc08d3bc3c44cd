/**
 * Times PostgreSQL's timestamptz and JavaScript's ISO-8601 text agree on: years 0001 to 9999
 * (toISOString writes year 0 as "0000", which PostgreSQL refuses, and years past 9999 as
 * "+010000", which it reads as a time zone). Filters, cursors and stored times stay inside.
 */
export const MIN_STORABLE_TIME_MS = Date.parse('0001-01-01T00:00:00.000Z');
export const MAX_STORABLE_TIME_MS = Date.parse('9999-12-31T23:59:59.999Z');

export function isStorableTimeMs(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_STORABLE_TIME_MS && ms <= MAX_STORABLE_TIME_MS;
}
