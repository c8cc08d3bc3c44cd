import { z } from 'zod';

import { UNIT_MS, parseDurationMs } from '../domain/duration-text.js';

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

/** Why a bare number is refused, with the unit to add to it. */
function bareNumberMessage(value: number): string {
  const example = Number.isSafeInteger(value) && value > 0 ? value : 10;
  return `a duration needs a unit, e.g. "${example}s" (a bare ${example} would be ${example} ms)`;
}

/**
 * A config duration: a string with a unit, as Prometheus writes them (`500ms`, `30s`, `1h30m`),
 * parsed to ms. A bare number is refused, since nothing says its unit (docs/configuration.md,
 * Durations): an operator writing `timeout: 10` means seconds, and 10 ms fails every attempt
 * after the target has received it. `0` alone is unambiguous in any unit, so it stays accepted,
 * as Prometheus does ("0"); the keys that need more than 0 refuse it below.
 */
export const durationMs = z
  .union([z.string(), z.number()], {
    error: 'expected a duration such as 500ms, 30s, 5m or 1h30m',
  })
  .transform((value, ctx) => {
    if (typeof value === 'number') {
      if (value === 0) return 0;
      ctx.addIssue({ code: 'custom', message: bareNumberMessage(value) });
      return z.NEVER;
    }
    const ms = parseDurationMs(value.trim());
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid duration "${value}": use a Prometheus duration such as 500ms, 30s, 5m or 1h30m`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** A duration that means nothing at 0 (a timeout, an interval, a backoff step). */
export const positiveDuration = durationMs.refine((ms) => ms > 0, 'must be greater than 0');
