import type { Logger } from '../domain/clock.js';
import type { Delivery, Publisher, PublishOutcome } from '../domain/publisher.js';
import type { AttemptHandle, AttemptTimeouts, Expiry } from './attempt-timeouts.js';

/**
 * AbortControllers for attempts. A controller whose attempt settled without being aborted is
 * reused: creating one costs more than the rest of an attempt's bookkeeping. Invariant this
 * relies on: a publisher uses its signal only until its publish() settles (undici and fetch
 * remove their listeners when the request ends). Aborted controllers are never reused.
 */
export class ControllerPool {
  private readonly free: AbortController[] = [];

  constructor(private readonly max: number) {}

  take(): AbortController {
    return this.free.pop() ?? new AbortController();
  }

  give(controller: AbortController): void {
    if (!controller.signal.aborted && this.free.length < this.max) this.free.push(controller);
  }
}

/**
 * One attempt in flight: its controller, deadline and the one promise that settles with the
 * first of: the publisher's outcome, the timeout, stop.
 */
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

  /** The publisher answered; ignored when the attempt already expired. */
  answer(outcome: PublishOutcome): void {
    this.resolveDone(outcome);
  }

  expire(why: Expiry): void {
    this.controller.abort(why === 'timeout' ? TIMEOUT_REASON : SHUTDOWN_REASON);
    this.resolveDone(why === 'timeout' ? timedOut(this.timeoutMs) : SHUTDOWN);
  }
}

/**
 * One attempt with its timeout. The publisher's signal is aborted at `timeoutMs` (→ transient
 * `timeout`) or when stop expires every attempt (→ `shutdown`); either way the attempt
 * returns then, even if the publisher ignores its signal. Never rejects: a throwing
 * publisher is an `unknown`/`internal` failure. No timer of its own (see AttemptTimeouts).
 */
export async function runAttempt(
  timeouts: AttemptTimeouts,
  controllers: ControllerPool,
  now: number,
  logger: Logger,
  publisher: Publisher,
  delivery: Delivery,
  timeoutMs: number,
): Promise<PublishOutcome> {
  const attempt = new Attempt(now + timeoutMs, controllers.take(), timeoutMs);
  timeouts.add(attempt, timeoutMs);
  void publishSafely(logger, publisher, delivery, attempt.controller.signal).then((outcome) =>
    attempt.answer(outcome),
  );
  const outcome = await attempt.done;
  timeouts.settle(attempt, timeoutMs);
  controllers.give(attempt.controller);
  return outcome;
}

// Made once: an abort reason built per attempt would capture a stack each time.
const TIMEOUT_REASON = new Error('attempt timed out');
const SHUTDOWN_REASON = new Error('engine stopping');

const SHUTDOWN: PublishOutcome = {
  ok: false,
  type: 'transient',
  reason: 'shutdown',
  message: 'attempt cancelled: engine stopping',
};

function timedOut(timeoutMs: number): PublishOutcome {
  return {
    ok: false,
    type: 'transient',
    reason: 'timeout',
    message: `no answer within ${timeoutMs} ms`,
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
