import { parseDurationMs } from '../domain/duration-text.js';

/**
 * The age a purge takes (`DELETE …/dlq/purge?older_than=`, `dlq purge --older-than`, the
 * console's purge field): a duration (domain/duration-text.ts) more than 0 and at most 100y.
 * Plain code: the API, the CLI and the console check it here, so they accept the same text.
 */

/** `purge?older_than` at most: 100 years, far past any retention. */
const MAX_PURGE_AGE_MS = 100 * 365 * 24 * 3_600_000;

/** The longest `older_than` the API takes (its query schema, src/http/schemas.ts). */
export const PURGE_AGE_MAX_LENGTH = 32;

export type PurgeAge = { ms: number } | { problem: string };

/** The age in ms, or why the text is refused (the API's 400 says the same). */
export function purgeAgeOf(text: string): PurgeAge {
  const ms = parseDurationMs(text);
  if (ms === undefined) return { problem: 'must be a duration such as 720h or 30d' };
  // 0 would delete every letter, never-replayed ones too: as in the config, a duration is > 0.
  if (ms === 0) return { problem: 'must be more than 0' };
  if (ms > MAX_PURGE_AGE_MS) return { problem: 'must be at most 100y' };
  return { ms };
}
