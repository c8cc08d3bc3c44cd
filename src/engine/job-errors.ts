import type { JobError, Priority } from '../domain/job.js';

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

/** Admitted while its target, behind a breaker that is not closed, holds its share of the lane. */
export function overflowError(target: string, lane: Priority): JobError {
  return {
    type: 'transient',
    reason: 'overflow',
    message: `target ${target} is failing and holds its share of the ${lane} lane`,
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
