import type { Alert, AlertStatus } from '../domain/alert.js';
import type { ErrorDetail } from '../domain/errors.js';
import { fingerprintOf } from '../domain/fingerprint.js';
import { isStorableText, storableText } from '../domain/storable-text.js';
import { isStorableTimeMs } from '../domain/storable-time.js';

/**
 * Hand-written validation of one Alertmanager v4 alert (it runs for every alert of every
 * webhook: no schema library, no copies of valid label maps). Unknown fields are left out of
 * the result; the first problem found is reported with its full path. Text PostgreSQL cannot
 * store (NUL, lone surrogates) becomes U+FFFD here, before the fingerprint is computed
 * (storable-text.ts); keys such as `__proto__` are data like any other.
 */

/** What Alertmanager writes for an unset time (Go's zero time.Time). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

const RFC3339 =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[Tt](?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const FINGERPRINT = /^[0-9a-fA-F]{16}$/;
const TIME_MESSAGE = 'expected an RFC 3339 time from year 0001 to 9999';

export interface AlertDefaults {
  /** Used when `status` is absent; undefined = status is required (webhook). */
  status?: AlertStatus;
  /** Used when `startsAt` is absent (the time the alert was received). */
  startsAt: string;
}

export type AlertParse = { ok: true; alert: Alert } | { ok: false; problem: ErrorDetail };

export function parseAlert(value: unknown, path: string, defaults: AlertDefaults): AlertParse {
  if (!isPlainObject(value)) return fail(path, 'expected an object');
  const status = value['status'] ?? defaults.status;
  if (status !== 'firing' && status !== 'resolved') {
    return fail(
      `${path}.status`,
      status === undefined ? 'required' : 'must be "firing" or "resolved"',
    );
  }
  const givenLabels = value['labels'];
  if (!isPlainObject(givenLabels))
    return fail(`${path}.labels`, givenLabels === undefined ? 'required' : 'expected an object');
  const labels = storableStringMap(givenLabels, `${path}.labels`);
  if (!labels.ok) return labels;
  const name = labels.map['alertname'];
  if (name === undefined || name === '') return fail(`${path}.labels.alertname`, 'required');

  const givenAnnotations = value['annotations'] ?? {};
  if (!isPlainObject(givenAnnotations)) return fail(`${path}.annotations`, 'expected an object');
  const annotations = storableStringMap(givenAnnotations, `${path}.annotations`);
  if (!annotations.ok) return annotations;

  const startsAt = optionalTime(value['startsAt'], defaults.startsAt);
  if (startsAt === undefined) return fail(`${path}.startsAt`, TIME_MESSAGE);
  const endsAt = optionalTime(value['endsAt'], ZERO_TIME);
  if (endsAt === undefined) return fail(`${path}.endsAt`, TIME_MESSAGE);

  const generatorURL = value['generatorURL'] ?? '';
  if (typeof generatorURL !== 'string') return fail(`${path}.generatorURL`, 'expected a string');

  const given = value['fingerprint'];
  let fingerprint: string;
  if (given === undefined || given === null || given === '') {
    fingerprint = fingerprintOf(labels.map);
  } else if (typeof given === 'string' && FINGERPRINT.test(given)) {
    fingerprint = given.toLowerCase();
  } else {
    return fail(`${path}.fingerprint`, 'expected 16 hex digits');
  }
  return {
    ok: true,
    alert: {
      status,
      labels: labels.map,
      annotations: annotations.map,
      startsAt,
      endsAt,
      generatorURL: storableText(generatorURL),
      fingerprint,
    },
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(path: string, message: string): AlertParse {
  return { ok: false, problem: { path, message } };
}

type MapParse = { ok: true; map: Record<string, string> } | { ok: false; problem: ErrorDetail };

/**
 * A map of non-empty names to strings, storable. The happy path is one loop and returns `map`
 * itself; otherwise the first problem, or a copy with keys defined as data (names that
 * become equal once cleaned are refused rather than merged).
 */
function storableStringMap(map: Record<string, unknown>, path: string): MapParse {
  if (isStorableStringMap(map)) return { ok: true, map };
  const entries: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(map)) {
    if (key === '') return { ok: false, problem: { path, message: 'names must not be empty' } };
    if (typeof value !== 'string') {
      return { ok: false, problem: { path: `${path}.${key}`, message: 'expected a string' } };
    }
    entries.push([storableText(key), storableText(value)]);
  }
  const copy: Record<string, string> = Object.fromEntries(entries);
  if (Object.keys(copy).length < entries.length) {
    return {
      ok: false,
      problem: { path, message: 'two names are equal once NUL and lone surrogates are replaced' },
    };
  }
  return { ok: true, map: copy };
}

function isStorableStringMap(map: Record<string, unknown>): map is Record<string, string> {
  for (const key of Object.keys(map)) {
    const value = map[key];
    if (key === '' || typeof value !== 'string' || !isStorableText(value) || !isStorableText(key))
      return false;
  }
  return true;
}

/**
 * An RFC 3339 time PostgreSQL can store once in UTC (years 0001-9999: a job's starts_at, the
 * alert's newest state); a leap second, which JavaScript cannot read, is refused too.
 */
function optionalTime(value: unknown, fallback: string): string | undefined {
  if (value === undefined || value === null || value === '') return fallback;
  return typeof value === 'string' && RFC3339.test(value) && isStorableTimeMs(Date.parse(value))
    ? value
    : undefined;
}
