import type { ErrorType, FailureReason } from '../domain/failure.js';

/**
 * The one place that turns typed transport data (an HTTP status, an error `code`) into an
 * error type and a bounded reason (docs/how-it-works.md, Error classification). Never looks at message text. Publishers may
 * override for their target's quirks (Slack's 200 with an error body, PagerDuty's 400).
 */
export interface Failure {
  type: ErrorType;
  reason: FailureReason;
}

export type StatusClass = { ok: true } | ({ ok: false } & Failure);

const SUCCESS: StatusClass = { ok: true };

function fail(type: ErrorType, reason: FailureReason): StatusClass {
  return { ok: false, type, reason };
}

/**
 * Statuses that differ from their range's rule. 408 and 504 are timeouts (the request or an
 * upstream ran out of time), 425/500/502/503 server errors, 413/422 payloads the target
 * refuses, 401/403 credentials.
 */
const STATUS_OVERRIDES: ReadonlyMap<number, StatusClass> = new Map([
  [401, fail('permanent', 'auth_error')],
  [403, fail('permanent', 'auth_error')],
  [408, fail('transient', 'timeout')],
  [413, fail('permanent', 'invalid_payload')],
  [422, fail('permanent', 'invalid_payload')],
  [425, fail('transient', 'server_error')],
  [429, fail('transient', 'rate_limited')],
  [500, fail('transient', 'server_error')],
  [502, fail('transient', 'server_error')],
  [503, fail('transient', 'server_error')],
  [504, fail('transient', 'timeout')],
]);

/** By hundreds: 1xx and 3xx (redirects are not followed) and 4xx are permanent; other 5xx unknown. */
const RANGE_RULES: Record<1 | 2 | 3 | 4 | 5, StatusClass> = {
  1: fail('permanent', 'client_error'),
  2: SUCCESS,
  3: fail('permanent', 'client_error'),
  4: fail('permanent', 'client_error'),
  5: fail('unknown', 'server_error'),
};

const OUT_OF_RANGE = fail('unknown', 'internal');

export function classifyStatus(status: number): StatusClass {
  const override = STATUS_OVERRIDES.get(status);
  if (override !== undefined) return override;
  if (!Number.isInteger(status) || status < 100 || status > 599) return OUT_OF_RANGE;
  const hundreds = Math.floor(status / 100);
  switch (hundreds) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
      return RANGE_RULES[hundreds];
    default:
      return OUT_OF_RANGE;
  }
}

/** Retry-After matters on these (docs/how-it-works.md, Error classification). */
export function honoursRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}
