import type { Clock, Logger } from '../domain/clock.js';
import type { AttemptRecord } from '../domain/job.js';
import type { Delivery, Publisher, PublishOutcome } from '../domain/publisher.js';
import { storableOutcome } from '../domain/storable-text.js';
import type { AttemptHandle, Expiry } from './attempt-timeouts.js';
import { AttemptTimeouts } from './attempt-timeouts.js';

/**
 * AbortControllers for attempts. A controller whose attempt settled without being aborted is
 * reused: creating one costs more than the rest of an attempt's bookkeeping. Invariant this
 * relies on: a publisher uses its signal only until its publish() settles (undici and fetch
 * remove their listeners when the request ends). Aborted controllers are never reused.
 */
class ControllerPool {
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

/** A running attempt as its engine sees it. */
export interface RunningAttempt {
  /** Ends the attempt now as `shutdown` (stop, lease lost); nothing once it has finished. */
  cancel(): void;
}

/**
 * One attempt in flight: its controller, deadline and the first of: the publisher's outcome,
 * the timeout, a cancel. `done` is called exactly once, with that first outcome.
 */
class Attempt<C> implements AttemptHandle, RunningAttempt {
  settled = false;
  private finished = false;

  constructor(
    readonly deadline: number,
    readonly controller: AbortController,
    private readonly startedAt: number,
    private readonly timeoutMs: number,
    private readonly runner: AttemptRunner,
    private readonly context: C,
    private readonly done: AttemptDone<C>,
  ) {}

  /** The publisher answered; ignored when the attempt already expired. */
  answer(outcome: PublishOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.runner.settled(this, this.timeoutMs);
    this.done(this.context, this.startedAt, outcome);
  }

  cancel(): void {
    if (this.settled) return;
    this.settled = true;
    this.expire('shutdown');
  }

  /** Called by the timeouts (which already dropped this handle) or by cancel. */
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
 * Runs the attempts of one engine (both queue modes): each with its timeout on the injected
 * clock, a pooled AbortController, and `done` called exactly once with the first of the
 * publisher's outcome, the timeout (transient `timeout`) or a cancel (transient `shutdown`),
 * even if the publisher ignores its signal. A throwing or rejecting publisher is an
 * `unknown`/`internal` failure, logged once. No timer per attempt (see AttemptTimeouts) and
 * no promise of its own: one `then` on the publisher's promise.
 */
export class AttemptRunner {
  private readonly timeouts: AttemptTimeouts;
  private readonly controllers: ControllerPool;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    maxConcurrent: number,
  ) {
    this.timeouts = new AttemptTimeouts(clock);
    this.controllers = new ControllerPool(maxConcurrent);
  }

  run<C>(
    publisher: Publisher,
    delivery: Delivery,
    timeoutMs: number,
    context: C,
    done: AttemptDone<C>,
  ): RunningAttempt {
    const now = this.clock.now();
    const attempt = new Attempt(
      now + timeoutMs,
      this.controllers.take(),
      now,
      timeoutMs,
      this,
      context,
      done,
    );
    this.timeouts.add(attempt, timeoutMs);
    let pending: Promise<PublishOutcome>;
    try {
      pending = publisher.publish(delivery, attempt.controller.signal);
    } catch (error: unknown) {
      pending = Promise.resolve(this.thrownOutcome(delivery, error));
    }
    void pending.then(
      // Both engines store what an outcome says: made storable once, here (docs/security.md).
      (outcome) => attempt.answer(storableOutcome(outcome)),
      (error: unknown) => attempt.answer(this.thrownOutcome(delivery, error)),
    );
    return attempt;
  }

  /** Cancels every attempt still in flight (stop) and stops the timeout timer. */
  cancelAll(): void {
    this.timeouts.expireAll('shutdown');
  }

  /** An attempt answered in time: its handle leaves the timeouts, its controller is reused. */
  settled(attempt: AttemptHandle & { controller: AbortController }, timeoutMs: number): void {
    this.timeouts.settle(attempt, timeoutMs);
    this.controllers.give(attempt.controller);
  }

  /** A publisher returns outcomes; a throw is a bug. Logged here once, counted as `internal`. */
  private thrownOutcome(delivery: Delivery, error: unknown): PublishOutcome {
    this.logger.error(
      { err: error, job_id: delivery.jobId, target: delivery.target },
      'publisher threw',
    );
    const name = error instanceof Error ? error.name : typeof error;
    return { ok: false, type: 'unknown', reason: 'internal', message: `publisher threw ${name}` };
  }
}

// Made once: an abort reason built per attempt would capture a stack each time.
const TIMEOUT_REASON = new Error('attempt timed out');
const SHUTDOWN_REASON = new Error('attempt cancelled');

const SHUTDOWN: PublishOutcome = {
  ok: false,
  type: 'transient',
  reason: 'shutdown',
  message: 'attempt cancelled: engine stopping or lease lost',
};

function timedOut(timeoutMs: number): PublishOutcome {
  return {
    ok: false,
    type: 'transient',
    reason: 'timeout',
    message: `no answer within ${timeoutMs} ms`,
  };
}

/** One attempt for the job's history: a failure keeps its status, reason and message. */
export function attemptRecordOf(
  startedAt: number,
  now: number,
  outcome: PublishOutcome,
): AttemptRecord {
  const record: AttemptRecord = { at: startedAt, durationMs: now - startedAt };
  if (outcome.status !== undefined) record.status = outcome.status;
  if (!outcome.ok) {
    record.reason = outcome.reason;
    record.message = outcome.message;
  }
  return record;
}
