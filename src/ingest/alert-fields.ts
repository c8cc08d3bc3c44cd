import type { Alert, AlertStatus } from '../domain/alert.js';
import type { ErrorDetail } from '../domain/errors.js';
import { fingerprintOf } from '../domain/fingerprint.js';

/**
 * Hand-written validation of one Alertmanager v4 alert (it runs for every alert of every
 * webhook: no schema library, no copies of valid label maps). Unknown fields are left out of
 * the result; the first problem found is reported with its full path.
 */

/** What Alertmanager writes for an unset time (Go's zero time.Time). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

const RFC3339 =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[Tt](?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const FINGERPRINT = /^[0-9a-fA-F]{16}$/;

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
  const labels = value['labels'];
  if (!isPlainObject(labels))
    return fail(`${path}.labels`, labels === undefined ? 'required' : 'expected an object');
  if (!isStringMap(labels))
    return { ok: false, problem: stringMapProblem(labels, `${path}.labels`) };
  const name = labels['alertname'];
  if (name === undefined || name === '') return fail(`${path}.labels.alertname`, 'required');

  const givenAnnotations = value['annotations'] ?? {};
  if (!isPlainObject(givenAnnotations)) return fail(`${path}.annotations`, 'expected an object');
  if (!isStringMap(givenAnnotations)) {
    return { ok: false, problem: stringMapProblem(givenAnnotations, `${path}.annotations`) };
  }
  const annotations = givenAnnotations;

  const startsAt = optionalTime(value['startsAt'], defaults.startsAt);
  if (startsAt === undefined) return fail(`${path}.startsAt`, 'expected an RFC 3339 time');
  const endsAt = optionalTime(value['endsAt'], ZERO_TIME);
  if (endsAt === undefined) return fail(`${path}.endsAt`, 'expected an RFC 3339 time');

  const generatorURL = value['generatorURL'] ?? '';
  if (typeof generatorURL !== 'string') return fail(`${path}.generatorURL`, 'expected a string');
  if (generatorURL.includes(NUL)) return fail(`${path}.generatorURL`, NUL_MESSAGE);

  const given = value['fingerprint'];
  let fingerprint: string;
  if (given === undefined || given === null || given === '') {
    fingerprint = fingerprintOf(labels);
  } else if (typeof given === 'string' && FINGERPRINT.test(given)) {
    fingerprint = given.toLowerCase();
  } else {
    return fail(`${path}.fingerprint`, 'expected 16 hex digits');
  }
  return {
    ok: true,
    alert: {
      status,
      labels,
      annotations,
      startsAt,
      endsAt,
      generatorURL,
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

/** PostgreSQL's jsonb cannot hold U+0000: such an alert could never be dead-lettered. */
const NUL = '\u0000';
const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';

/** Every key non-empty and every value a string without NUL (the one loop on the happy path). */
function isStringMap(map: Record<string, unknown>): map is Record<string, string> {
  for (const key in map) {
    const value = map[key];
    if (key === '' || typeof value !== 'string' || value.includes(NUL) || key.includes(NUL))
      return false;
  }
  return true;
}

function stringMapProblem(map: Record<string, unknown>, path: string): ErrorDetail {
  for (const key of Object.keys(map)) {
    const value = map[key];
    if (key === '') return { path, message: 'names must not be empty' };
    if (key.includes(NUL)) return { path, message: `names ${NUL_MESSAGE}` };
    if (typeof value !== 'string') return { path: `${path}.${key}`, message: 'expected a string' };
    if (value.includes(NUL)) return { path: `${path}.${key}`, message: NUL_MESSAGE };
  }
  return { path, message: 'expected an object of strings' };
}

function optionalTime(value: unknown, fallback: string): string | undefined {
  if (value === undefined || value === null || value === '') return fallback;
  return typeof value === 'string' && RFC3339.test(value) ? value : undefined;
}
