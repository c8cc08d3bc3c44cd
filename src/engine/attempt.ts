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

/** Receives an attempt's outcome; one function per engine, so an attempt makes no closure for it. */
export type AttemptDone<C> = (context: C, startedAt: number, outcome: PublishOutcome) => void;

/**
 * One attempt in flight: its controller, deadline and the first of: the publisher's outcome,
 * the timeout, stop. `done` is called exactly once, with that first outcome.
 */
class Attempt<C> implements AttemptHandle {
  settled = false;
  private finished = false;

  constructor(
    readonly deadline: number,
    readonly controller: AbortController,
    private readonly startedAt: number,
    private readonly timeoutMs: number,
    private readonly timeouts: AttemptTimeouts,
    private readonly controllers: ControllerPool,
    private readonly context: C,
    private readonly done: AttemptDone<C>,
  ) {}

  /** The publisher answered; ignored when the attempt already expired. */
  answer(outcome: PublishOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.timeouts.settle(this, this.timeoutMs);
    this.controllers.give(this.controller);
    this.done(this.context, this.startedAt, outcome);
  }

  /** Called by the timeouts, which already dropped this handle. */
  expire(why: Expiry): void {
    if (this.finished) return;
    this.finished = true;
    this.controller.abort(why === 'timeout' ? TIMEOUT_REASON : SHUTDOWN_REASON);
    this.done(
      this.context,
      this.startedAt,
      why === 'timeout' ? timedOut(this.timeoutMs) : SHUTDOWN,
    );
  }
}

/**
 * Starts one attempt with its timeout; `done` receives the outcome. The publisher's signal is
 * aborted at `timeoutMs` (→ transient `timeout`) or when stop expires every attempt
 * (→ `shutdown`); either way `done` is called then, even if the publisher ignores its signal.
 * A throwing or rejecting publisher is an `unknown`/`internal` failure. No timer of its own
 * (see AttemptTimeouts), no promise of its own: one `then` on the publisher's promise.
 */
export function runAttempt<C>(
  timeouts: AttemptTimeouts,
  controllers: ControllerPool,
  now: number,
  logger: Logger,
  publisher: Publisher,
  delivery: Delivery,
  timeoutMs: number,
  context: C,
  done: AttemptDone<C>,
): void {
  const attempt = new Attempt(
    now + timeoutMs,
    controllers.take(),
    now,
    timeoutMs,
    timeouts,
    controllers,
    context,
    done,
  );
  timeouts.add(attempt, timeoutMs);
  let pending: Promise<PublishOutcome>;
  try {
    pending = publisher.publish(delivery, attempt.controller.signal);
  } catch (error: unknown) {
    pending = Promise.resolve(thrownOutcome(logger, delivery, error));
  }
  void pending.then(
    (outcome) => attempt.answer(outcome),
    (error: unknown) => attempt.answer(thrownOutcome(logger, delivery, error)),
  );
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

/** A publisher returns outcomes; a throw is a bug. Logged here once, counted as `internal`. */
function thrownOutcome(logger: Logger, delivery: Delivery, error: unknown): PublishOutcome {
  logger.error({ err: error, job_id: delivery.jobId, target: delivery.target }, 'publisher threw');
  const name = error instanceof Error ? error.name : typeof error;
  return { ok: false, type: 'unknown', reason: 'internal', message: `publisher threw ${name}` };
}
