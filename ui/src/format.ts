/** Times are shown in UTC, as the API and the logs give them. */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 90) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}

/** "3 min ago" from two epoch-ms readings. */
export function ago(iso: string | null | undefined, nowMs: number): string {
  if (iso === null || iso === undefined) return 'never';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const seconds = Math.max(0, (nowMs - ms) / 1000);
  return seconds < 1 ? 'just now' : `${formatSeconds(seconds)} ago`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** `2026-11-29T12:00:05` (datetime-local with seconds, read as UTC) ↔ ISO-8601. */
export function localInputToIso(value: string): string | undefined {
  if (value === '') return undefined;
  const ms = Date.parse(`${value}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function isoToLocalInput(iso: string | null): string {
  if (iso === null) return '';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString().slice(0, 19);
}

/**
 * A time filter from its datetime-local input: the current value (`current`, from the URL)
 * as it was written while the input still shows it, so applying another filter changes no
 * time (not even milliseconds the input cannot show); else the input's time as ISO-8601.
 */
export function timeFilterOf(input: string, current: string | undefined): string | undefined {
  const chosen = localInputToIso(input);
  if (chosen !== undefined && chosen === localInputToIso(isoToLocalInput(current ?? null)))
    return current;
  return chosen;
}

/** Bidi controls: marks, embeddings, overrides (U+202E), isolates. */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * Text from an alert (alertname, label, annotation) as the console shows it: a bidi control
 * is written out (`\u202E`) instead of reversing what follows it, which could make a value
 * read as another.
 */
export function visibleText(text: string): string {
  return text.replace(
    BIDI_CONTROLS,
    (control) => `\\u${(control.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}

/** An alertname as the console shows it (visibleText); an empty one reads `(no alertname)`. */
export function alertnameText(alertname: string): string {
  return visibleText(alertname) || '(no alertname)';
}

/** A closed vocabulary's value (a reason, a state, a filter key) as words: `server error`. */
export function words(value: string): string {
  return value.replace(/_/g, ' ');
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
