import type { Clock, Logger } from '../domain/clock.js';
import type { Delivery, Publisher, PublishOutcome } from '../domain/publisher.js';
import { sleepUnlessAborted } from './clock-wait.js';

/**
 * One attempt with its timeout on the injected clock. The publisher's signal is aborted at
 * `timeoutMs` (→ transient `timeout`) or when `cancel` is aborted by stop (→ `shutdown`);
 * either way the attempt returns then, even if the publisher ignores its signal.
 * Never rejects: a throwing publisher is an `unknown`/`internal` failure.
 */
export async function runAttempt(
  clock: Clock,
  logger: Logger,
  publisher: Publisher,
  delivery: Delivery,
  timeoutMs: number,
  cancel: AbortController,
): Promise<PublishOutcome> {
  const abort = new AbortController();
  let settled = false;
  const published = publishSafely(logger, publisher, delivery, abort.signal).then((outcome) => {
    settled = true;
    return outcome;
  });
  const watchdog = sleepUnlessAborted(clock, timeoutMs, cancel.signal).then(
    (slept): PublishOutcome | undefined => {
      if (settled) return undefined;
      abort.abort(new Error(slept ? 'attempt timed out' : 'engine stopping'));
      return slept ? timedOut(timeoutMs) : SHUTDOWN;
    },
  );
  const first = await Promise.race([published, watchdog]);
  cancel.abort();
  return first ?? (await published);
}

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
