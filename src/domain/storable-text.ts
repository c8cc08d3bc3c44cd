import type { PublishOutcome } from './publisher.js';

/**
 * Text PostgreSQL can store. A `text` column refuses U+0000 and `jsonb` refuses both U+0000
 * and a lone UTF-16 surrogate (`\ud800` without its pair), which JSON allows and JavaScript
 * strings may hold. Such a character becomes U+FFFD (docs/security.md): a letter that the
 * database would refuse could otherwise never be stored. Pure; the happy path only tests.
 */
export const REPLACEMENT_CHARACTER = '\ufffd';

/** NUL, a high surrogate not followed by a low one, a low surrogate not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this pattern looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/**
 * The outcome with its message storable: a failure message is written to text and jsonb
 * columns (a job's error, its attempt log, the dead letter). The same object when it is.
 */
export function storableOutcome(outcome: PublishOutcome): PublishOutcome {
  if (outcome.message === undefined || isStorableText(outcome.message)) return outcome;
  return { ...outcome, message: storableText(outcome.message) };
}

/** `text` with each unstorable character replaced by U+FFFD (the same string when there is none). */
export function storableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE_ALL, REPLACEMENT_CHARACTER) : text;
}

/**
 * A JSON value (as JSON.parse returns one) with every string and every key storable. Parts
 * that need no change are returned as they are, so a clean value costs one walk and no copy.
 * Copies define keys as data (`__proto__` stays a key, never a prototype); when two keys
 * become equal, the later one wins.
 */
export function storableJson(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    let copy: unknown[] | undefined;
    items.forEach((item, index) => {
      const clean = storableJson(item);
      if (clean !== item) copy ??= items.slice();
      if (copy !== undefined) copy[index] = clean;
    });
    return copy ?? value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  let changed = false;
  const cleanEntries = entries.map(([key, item]): [string, unknown] => {
    const cleanKey = storableText(key);
    const cleanItem = storableJson(item);
    if (cleanKey !== key || cleanItem !== item) changed = true;
    return [cleanKey, cleanItem];
  });
  return changed ? Object.fromEntries(cleanEntries) : value;
}
