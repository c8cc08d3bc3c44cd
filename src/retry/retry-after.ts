/**
 * `Retry-After` as RFC 9110 §10.2.3 defines it: a non-negative number of seconds or an
 * HTTP-date. Returns milliseconds from `nowMs` (never negative), or undefined when absent or
 * unparseable. The caller caps it (`retry.max_retry_after`).
 */
const SECONDS = /^\d+$/;

export function parseRetryAfterMs(
  value: string | readonly string[] | undefined,
  nowMs: number,
): number | undefined {
  const text = (typeof value === 'string' ? value : value?.[0])?.trim();
  if (text === undefined || text === '') return undefined;
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
