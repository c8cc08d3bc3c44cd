import type { JobSnapshot } from '../domain/job.js';
import type { RetryPolicy } from '../domain/target.js';
import { waitsForTarget } from './outcome-decision.js';

/**
 * `snapshot` with `deadLetterAfter` when its job waits for its down target past its retries
 * (`waitsForTarget`), for the job API of both engines. The age rule counts from submission
 * (decideAfterFailure, the circuit sweeps): a wait that would end past submission plus
 * max_job_age is not made. `policy` is the target's now, undefined for a target no longer
 * configured (its jobs wait for nothing).
 */
export function withTargetWait(
  snapshot: JobSnapshot,
  isRetryCounted: boolean,
  policy: RetryPolicy | undefined,
): JobSnapshot {
  if (policy === undefined || !waitsForTarget({ ...snapshot, isRetryCounted }, policy)) {
    return snapshot;
  }
  return { ...snapshot, deadLetterAfter: snapshot.submittedAt + policy.maxJobAgeMs };
}
