// When a target asks to be tried again: `Retry-After`, else `RateLimit-Reset` (outcome.ts).

const SECONDS = /^\d+$/;

type HeaderValue = string | readonly string[] | undefined;

/** The first value of a header, trimmed; undefined when absent or empty. */
function firstValue(value: HeaderValue): string | undefined {
  const text = (typeof value === 'string' ? value : value?.[0])?.trim();
  return text === '' ? undefined : text;
}

/**
 * `Retry-After` as RFC 9110 §10.2.3 defines it: a non-negative number of seconds or an
 * HTTP-date. Returns milliseconds from `nowMs` (never negative), or undefined when absent or
 * unparseable. The caller caps it (`retry.max_retry_after`).
 */
export function parseRetryAfterMs(value: HeaderValue, nowMs: number): number | undefined {
  const text = firstValue(value);
  if (text === undefined) return undefined;
  if (SECONDS.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  // Date.parse accepts IMF-fixdate, RFC 850 and asctime forms; reject bare numbers-with-junk.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Above this a `RateLimit-Reset` is a Unix time (2001-09-09 on), below it a number of seconds:
 * no window lasts 31 years, and no reset time is that old.
 */
const EPOCH_SECONDS_FROM = 1e9;

/**
 * `RateLimit-Reset`, for a 429/503 without a usable Retry-After: Rootly sends it (with
 * `RateLimit-Limit`/`-Remaining`, no Retry-After) as UTC epoch seconds; the IETF draft
 * (draft-ietf-httpapi-ratelimit-headers) as seconds until the window resets. Both are read,
 * told apart by size. Milliseconds from `nowMs`, never negative; the caller caps it as it caps
 * Retry-After (`retry.max_retry_after`).
 */
export function parseRateLimitResetMs(value: HeaderValue, nowMs: number): number | undefined {
  const text = firstValue(value);
  if (text === undefined || !SECONDS.test(text)) return undefined;
  const seconds = Number(text);
  const ms = seconds > EPOCH_SECONDS_FROM ? seconds * 1000 - nowMs : seconds * 1000;
  return Number.isSafeInteger(ms) ? Math.max(0, ms) : undefined;
}
