import { z } from 'zod';

/**
 * `targets[].rate_limit`: `N/s`, `N/m` or `N/h` (N may have decimals), or
 * `{ rate: "N/s", burst: B }`. Burst defaults to the rate per second, at least 1.
 * Parsed to attempts a second.
 */
const RATE = /^(\d+(?:\.\d+)?)\s*\/\s*(s|m|h)$/;
const PER_SECOND: Record<string, number> = { s: 1, m: 1 / 60, h: 1 / 3600 };

const rate = z.string().transform((text, ctx) => {
  const match = RATE.exec(text.trim());
  const perSecond =
    match === null ? Number.NaN : Number(match[1]) * (PER_SECOND[match[2] ?? ''] ?? 0);
  if (!(perSecond > 0) || perSecond > 100_000) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a rate such as "1/s", "120/m" or "10/h" (more than 0, at most 100000/s)',
    });
    return z.NEVER;
  }
  return perSecond;
});

export const rateLimitSchema = z
  .union(
    [
      rate.transform((perSecond) => ({ perSecond, burst: Math.max(1, Math.floor(perSecond)) })),
      z
        .object({ rate, burst: z.number().int().min(1).max(100_000).optional() })
        .strict()
        .transform(({ rate: perSecond, burst }) => ({
          perSecond,
          burst: burst ?? Math.max(1, Math.floor(perSecond)),
        })),
    ],
    { error: 'expected a rate such as "1/s" or a mapping { rate, burst }' },
  )
  .optional();
