import type { JobError, Priority } from '../domain/job.js';
import type { OverflowCause } from './admission.js';

/**
 * The errors an engine gives a job itself, without a failed attempt (both queue modes): one
 * wording each, so the API, the DLQ and the logs read the same whichever mode wrote them.
 */

/** How much of the failure's message a `circuit_open` letter quotes. */
const QUOTED_FAILURE_CHARS = 200;

/**
 * Its target's breaker is not closed and the job is older than the target's max_job_age. The
 * message quotes `lastFailure`, the last failure the breaker counted (Breaker.lastFailure): why
 * the target is failing, which the job itself may never have seen (it waited, not attempted).
 */
export function circuitOpenError(target: string, lastFailure?: JobError): JobError {
  const message = `circuit breaker of ${target} not closed; job older than max_job_age`;
  return {
    type: 'transient',
    reason: 'circuit_open',
    message:
      lastFailure === undefined ? message : `${message}; last failure: ${quoted(lastFailure)}`,
  };
}

/** `HTTP 503 server_error: <message>`, the message cut at QUOTED_FAILURE_CHARS. */
function quoted(failure: JobError): string {
  const status = failure.status === undefined ? '' : `HTTP ${failure.status} `;
  const message =
    failure.message.length > QUOTED_FAILURE_CHARS
      ? `${failure.message.slice(0, QUOTED_FAILURE_CHARS - 1)}…`
      : failure.message;
  return `${status}${failure.reason}: ${message}`;
}

/**
 * Admitted while its target holds its share of the lane and is failing (breaker not closed) or
 * throttled (paced by its rate limit or 429s) while the request's other jobs had room
 * (admission.ts).
 */
export function overflowError(target: string, lane: Priority, cause: OverflowCause): JobError {
  const state = cause === 'failing' ? 'is failing' : 'is throttled (rate limit or 429s)';
  return {
    type: 'transient',
    reason: 'overflow',
    message: `target ${target} ${state} and holds its share of the ${lane} lane`,
  };
}

/** Not delivered before the stop's deadline. */
export function shutdownError(): JobError {
  return { type: 'transient', reason: 'shutdown', message: 'not delivered before shutdown' };
}

/**
 * Its target was removed from the configuration or disabled (a reload); replayable once it is
 * back and enabled.
 */
export function targetRemovedError(target: string): JobError {
  return {
    type: 'transient',
    reason: 'target_removed',
    message: `target ${target} was removed from the configuration or disabled`,
  };
}
