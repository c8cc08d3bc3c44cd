import { z } from 'zod';

/**
 * Sizes: a number of bytes, or `<number><unit>` with decimal units (kB/KB, MB, GB: powers of
 * 1000) or binary units (KiB, MiB, GiB: powers of 1024), e.g. `1MiB`, `512KiB`, `10MB`.
 */
const UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1_000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  kib: 1_024,
  mib: 1_048_576,
  gib: 1_073_741_824,
};
const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** Bytes (a whole number), or undefined when `text` is not a size. */
export function parseSizeBytes(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (match === null) return undefined;
  const [, amount = '', unit = ''] = match;
  const unitBytes = unit === '' ? 1 : UNIT_BYTES[unit.toLowerCase()];
  if (unitBytes === undefined) return undefined;
  const bytes = Number(amount) * unitBytes;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1_073_741_824],
    ['MiB', 1_048_576],
    ['KiB', 1_024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}

const SIZE_HINT = 'expected a size such as 1MiB, 512KiB, 10MB or a number of bytes';

/** A config size: a string such as `1MiB` (or a number of bytes), parsed to bytes. */
export const sizeBytes = z
  .union([z.string(), z.int().nonnegative()], { error: SIZE_HINT })
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const bytes = parseSizeBytes(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: `invalid size "${value}": ${SIZE_HINT}` });
      return z.NEVER;
    }
    return bytes;
  });
