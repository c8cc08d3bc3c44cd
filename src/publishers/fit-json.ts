/**
 * Lengths (UTF-16 units) of the publishers' last cuts, for fields their providers document no
 * limit for: a free-text field made from a label is shortened to `field`; a URL longer than
 * `url` is dropped, since a URL cut short leads nowhere (docs/targets.md).
 */
export const CUT_CHARS = { field: 1024, url: 8192 } as const;

/**
 * The JSON of `full`, or else of the first of `cuts` whose JSON fits in `maxBytes` of UTF-8.
 * Each cut builds a smaller body than the one before and says in it what was cut (a `note`);
 * a cut runs only when the body before it is too large, so a body that fits is sent as built.
 *
 * Used by every publisher whose provider refuses a large request for good (a 4xx the retry
 * stage treats as final, so the alert would be dead-lettered): PagerDuty, Rootly
 * (docs/targets.md). The last cut is returned even when it does not fit: each caller's last
 * cut is bounded by construction (only bounded fields left), which its tests check.
 */
export function fitJson(
  full: unknown,
  cuts: ReadonlyArray<() => unknown>,
  maxBytes: number,
): string {
  let body = JSON.stringify(full);
  for (const cut of cuts) {
    if (Buffer.byteLength(body) <= maxBytes) break;
    body = JSON.stringify(cut());
  }
  return body;
}
