import type { Clock, Logger } from '../domain/clock.js';
import type { Delivery, Publisher, PublishOutcome } from '../domain/publisher.js';

/**
 * One attempt on the injected clock. The publisher's signal aborts at `timeoutMs` (→ transient
 * `timeout`) or when `cancel` aborts (lease lost, or stop → `shutdown`); either way this returns
 * then, even if the publisher ignores its signal. Never rejects: a throw is `internal`.
 */
export async function runAttempt(
  clock: Clock,
  logger: Logger,
  publisher: Publisher,
  delivery: Delivery,
  timeoutMs: number,
  cancel: AbortSignal,
): Promise<PublishOutcome> {
  const abort = new AbortController();
  const timerStop = new AbortController();
  const cancelled = new Promise<PublishOutcome>((resolve) => {
    const onCancel = (): void => {
      abort.abort(new Error('attempt cancelled'));
      resolve(SHUTDOWN);
    };
    if (cancel.aborted) onCancel();
    else cancel.addEventListener('abort', onCancel, { once: true });
    timerStop.signal.addEventListener('abort', () => cancel.removeEventListener('abort', onCancel));
  });
  const timedOut = clock.sleep(timeoutMs, timerStop.signal).then(
    (): PublishOutcome => {
      abort.abort(new Error('attempt timed out'));
      return {
        ok: false,
        type: 'transient',
        reason: 'timeout',
        message: `no answer within ${timeoutMs} ms`,
      };
    },
    // The attempt ended first and stopped the timer: this branch of the race never wins.
    () => new Promise<PublishOutcome>(() => undefined),
  );
  try {
    return await Promise.race([
      publishSafely(logger, publisher, delivery, abort.signal),
      timedOut,
      cancelled,
    ]);
  } finally {
    timerStop.abort();
  }
}

const SHUTDOWN: PublishOutcome = {
  ok: false,
  type: 'transient',
  reason: 'shutdown',
  message: 'attempt cancelled',
};

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
