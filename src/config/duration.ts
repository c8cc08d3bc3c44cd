import { z } from 'zod';

/**
 * Durations as Prometheus writes them: one or more `<number><unit>` terms, largest unit first
 * (`500ms`, `30s`, `1h30m`, `720h`), units y w d h m s ms. `0` alone is zero.
 */
const UNIT_MS = {
  y: 365 * 24 * 3_600_000,
  w: 7 * 24 * 3_600_000,
  d: 24 * 3_600_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
} as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const TERM = /(\d+)(ms|y|w|d|h|m|s)/y;

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  let total = 0;
  let lastUnitIndex = -1;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < text.length) {
    const match = TERM.exec(text);
    if (match === null) return undefined;
    const unit = match[2] as Unit;
    const unitIndex = UNIT_ORDER.indexOf(unit);
    if (unitIndex <= lastUnitIndex) return undefined;
    lastUnitIndex = unitIndex;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

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
