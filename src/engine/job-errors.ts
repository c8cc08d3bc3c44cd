import type { JobError, Priority } from '../domain/job.js';
import type { OverflowCause } from './admission.js';

/**
 * The errors an engine gives a job itself, without a failed attempt (both queue modes): one
 * wording each, so the API, the DLQ and the logs read the same whichever mode wrote them.
 */

/** Its target's breaker is not closed and the job is older than the target's max_job_age. */
export function circuitOpenError(target: string): JobError {
  return {
    type: 'transient',
    reason: 'circuit_open',
    message: `circuit breaker of ${target} not closed; job older than max_job_age`,
  };
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
