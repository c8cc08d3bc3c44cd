import type { Alert, Classification } from './alert.js';
import type { ErrorType, FailureReason } from './failure.js';
import type { AttemptRecord, Priority } from './job.js';
import type { TargetType } from './target.js';

/** A job that will not be tried again without an operator, as handed to the DLQ. */
export interface DeadLetter {
  jobId: string;
  alert: Alert;
  classification?: Classification;
  targetName: string;
  /** Null when the target was unknown when the letter was made (LetterTarget). */
  targetType: TargetType | null;
  /** Secrets removed. */
  targetConfig: Record<string, unknown>;
  priority: Priority;
  errorType: ErrorType;
  errorReason: FailureReason;
  httpStatus?: number;
  /** Redacted. */
  errorMessage: string;
  retryCount: number;
  /** Epoch ms of the last attempt, if any was made. */
  lastRetryAt?: number;
  failedAt: number;
  /** DLQ entry id this job was a replay of. */
  replayOf?: string;
  /** When the job was submitted, and its place among jobs submitted in the same millisecond:
   * replays submit letters in this order (docs/alert-state.md). */
  submittedAt: number;
  submitSeq: number;
  /** The job's last attempts, oldest first. */
  attempts: readonly AttemptRecord[];
  /** At a stop, its attempt was cut or timed out after the delivery window: the target may have it. */
  possiblyDelivered?: boolean;
}

/** Where the engine hands final failures. Throws when the write failed; the engine retries. */
export interface DeadLetterSink {
  write(letters: readonly DeadLetter[]): Promise<void>;
}

/** Last resort at stop when the sink still fails (the journal file); must not lose a letter. */
export interface DeadLetterFallback {
  save(letters: readonly DeadLetter[]): Promise<void>;
}
