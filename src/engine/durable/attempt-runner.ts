import type { Clock, Logger } from '../../domain/clock.js';
import type { Delivery, Publisher, PublishOutcome } from '../../domain/publisher.js';
import type { AttemptHandle, Expiry } from '../attempt-timeouts.js';
import { AttemptTimeouts } from '../attempt-timeouts.js';
import { ControllerPool } from '../attempt.js';

// Made once: an abort reason built per attempt would capture a stack each time.
const TIMEOUT_REASON = new Error('attempt timed out');
const CANCEL_REASON = new Error('attempt cancelled');

const SHUTDOWN: PublishOutcome = {
  ok: false,
  type: 'transient',
  reason: 'shutdown',
  message: 'attempt cancelled',
};

/** One attempt in flight; `expire` ends it early (timeout, lease lost, stop), at most once. */
class Attempt implements AttemptHandle {
  settled = false;
  readonly done: Promise<PublishOutcome>;
  private resolveDone: (outcome: PublishOutcome) => void = () => undefined;

  constructor(
    readonly deadline: number,
    readonly controller: AbortController,
    private readonly timeoutMs: number,
  ) {
    this.done = new Promise<PublishOutcome>((resolve) => (this.resolveDone = resolve));
  }

  answer(outcome: PublishOutcome): void {
    this.resolveDone(outcome);
  }

  expire(why: Expiry): void {
    this.settled = true;
    this.controller.abort(why === 'timeout' ? TIMEOUT_REASON : CANCEL_REASON);
    this.resolveDone(
      why === 'timeout'
        ? {
            ok: false,
            type: 'transient',
            reason: 'timeout',
            message: `no answer within ${this.timeoutMs} ms`,
          }
        : SHUTDOWN,
    );
  }
}

/** Ends one running attempt as `shutdown` (lease lost, stop timeout); no-op once it settled. */
export type CancelAttempt = () => void;

/**
 * Attempts on the injected clock without a timer or a fresh AbortController each: the queue's
 * shared timeouts (one sleep per timeout period) and pooled controllers. The publisher's signal
 * aborts at `timeoutMs` (→ transient `timeout`) or on cancel (→ `shutdown`); either way the
 * attempt returns then, even if the publisher ignores its signal. Never rejects: a throw is
 * `internal`.
 */
export function createAttemptRunner(
  clock: Clock,
  logger: Logger,
  maxControllers: number,
): {
  run(
    publisher: Publisher,
    delivery: Delivery,
    timeoutMs: number,
    onCancel: (cancel: CancelAttempt) => void,
  ): Promise<PublishOutcome>;
} {
  const timeouts = new AttemptTimeouts(clock);
  const controllers = new ControllerPool(maxControllers);
  return {
    async run(publisher, delivery, timeoutMs, onCancel) {
      const attempt = new Attempt(clock.now() + timeoutMs, controllers.take(), timeoutMs);
      timeouts.add(attempt, timeoutMs);
      onCancel(() => {
        if (!attempt.settled) attempt.expire('shutdown');
      });
      void publishSafely(logger, publisher, delivery, attempt.controller.signal).then((outcome) =>
        attempt.answer(outcome),
      );
      const outcome = await attempt.done;
      timeouts.settle(attempt, timeoutMs);
      controllers.give(attempt.controller);
      return outcome;
    },
  };
}

async function publishSafely(
  logger: Logger,
  publisher: Publisher,
  delivery: Delivery,
  signal: AbortSignal,
): Promise<PublishOutcome> {
  try {
    return await publisher.publish(delivery, signal);
  } catch (error: unknown) {
    // A publisher returns outcomes; a throw is a bug. Logged here once, counted as `internal`.
    logger.error(
      { err: error, job_id: delivery.jobId, target: delivery.target },
      'publisher threw',
    );
    const name = error instanceof Error ? error.name : typeof error;
    return { ok: false, type: 'unknown', reason: 'internal', message: `publisher threw ${name}` };
  }
}
