import type { Alert, Classification } from './alert.js';
import type { ErrorType, FailureReason } from './failure.js';
import type { Priority } from './job.js';

/** What a publisher is asked to deliver: one attempt of one job. */
export interface Delivery {
  jobId: string;
  target: string;
  alert: Alert;
  classification?: Classification;
  priority: Priority;
  /** 1 for the first try. */
  attempt: number;
}

/**
 * The result of one attempt. Expected remote failures are values, never exceptions.
 * `message` must already be free of secrets (publishers build it from typed data).
 */
export type PublishOutcome =
  | { ok: true; status?: number; message?: string }
  | {
      ok: false;
      type: ErrorType;
      reason: FailureReason;
      status?: number;
      /** Earliest next try asked by the target (Retry-After), uncapped. */
      retryAfterMs?: number;
      message: string;
    };

/** Speaks one target type's protocol. Says *whether* a failure is retryable, never *when*. */
export interface Publisher {
  /** Must honour `signal` (the engine aborts it at the attempt timeout or on lease loss). */
  publish(delivery: Delivery, signal: AbortSignal): Promise<PublishOutcome>;
  close(): Promise<void>;
}
