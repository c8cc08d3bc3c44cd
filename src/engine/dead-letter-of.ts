import type { DeadLetter } from '../domain/dead-letter.js';
import type { Job, JobError } from '../domain/job.js';
import type { LetterTarget } from '../domain/target.js';

/** What a dead letter reads of a job; both engines (memory `Job`, durable row) provide it. */
export type LetterJob = Pick<
  Job,
  | 'id'
  | 'alert'
  | 'classification'
  | 'priority'
  | 'retries'
  | 'lastAttemptAt'
  | 'replayOf'
  | 'submittedAt'
  | 'history'
> & {
  /** Submission order among jobs of the same millisecond. */
  seq: number;
};

/** The DLQ record of a job's final failure, for both engines; the target config is the redacted one. */
export function deadLetterOf(
  job: LetterJob,
  target: LetterTarget,
  error: JobError,
  failedAt: number,
): DeadLetter {
  const letter: DeadLetter = {
    jobId: job.id,
    alert: job.alert,
    targetName: target.name,
    targetType: target.type,
    targetConfig: target.redactedConfig,
    priority: job.priority,
    errorType: error.type,
    errorReason: error.reason,
    errorMessage: error.message,
    retryCount: job.retries,
    failedAt,
    submittedAt: job.submittedAt,
    submitSeq: job.seq,
    attempts: job.history,
  };
  if (job.classification !== undefined) letter.classification = job.classification;
  if (error.status !== undefined) letter.httpStatus = error.status;
  if (job.lastAttemptAt !== undefined) letter.lastRetryAt = job.lastAttemptAt;
  if (job.replayOf !== undefined) letter.replayOf = job.replayOf;
  return letter;
}
