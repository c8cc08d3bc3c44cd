import type { Delivery, Publisher, PublishOutcome } from '../../src/domain/publisher.js';

/** What the fake answers one attempt: an outcome, or `hang` until the engine aborts it. */
export type ScriptedAnswer = PublishOutcome | 'hang';

export interface ScriptedPublisher extends Publisher {
  /** Every attempt received, in the order they started. */
  readonly deliveries: Delivery[];
  /** Attempts started and not yet answered. */
  readonly inFlight: number;
  /** Answers for the next attempts, in order; when none is left, `fallback` answers. */
  script(...answers: ScriptedAnswer[]): void;
  /** Holds every answer until the returned function is called (attempts stay in flight). */
  hold(): () => void;
}

export const OK: PublishOutcome = { ok: true, status: 200 };

export function failure(
  status: number | undefined,
  type: 'transient' | 'permanent' | 'unknown',
  reason: Extract<PublishOutcome, { ok: false }>['reason'],
  retryAfterMs?: number,
): PublishOutcome {
  const outcome: PublishOutcome = { ok: false, type, reason, message: `scripted ${reason}` };
  if (status !== undefined) outcome.status = status;
  if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
  return outcome;
}

export const SERVER_ERROR = failure(503, 'transient', 'server_error');
export const BAD_REQUEST = failure(400, 'permanent', 'client_error');
export const RATE_LIMITED = failure(429, 'transient', 'rate_limited');
export const UNKNOWN = failure(501, 'unknown', 'server_error');

/**
 * A Publisher fake answering from a script. `fallback` answers when the script is empty
 * (default: success). A `hang` answer resolves only when the signal aborts, as a real
 * publisher honouring its signal would (reason network).
 */
export function createScriptedPublisher(
  fallback: ScriptedAnswer | ((delivery: Delivery) => ScriptedAnswer) = OK,
): ScriptedPublisher {
  const queue: ScriptedAnswer[] = [];
  const deliveries: Delivery[] = [];
  let gate: Promise<void> | undefined;
  let inFlight = 0;

  async function answer(delivery: Delivery, signal: AbortSignal): Promise<PublishOutcome> {
    const scripted =
      queue.shift() ?? (typeof fallback === 'function' ? fallback(delivery) : fallback);
    if (gate !== undefined) await gate;
    if (scripted !== 'hang') return scripted;
    if (!signal.aborted) {
      await new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
    return failure(undefined, 'transient', 'network', undefined);
  }

  return {
    deliveries,
    get inFlight() {
      return inFlight;
    },
    script(...answers) {
      queue.push(...answers);
    },
    hold() {
      let release: () => void = () => undefined;
      gate = new Promise<void>((resolve) => {
        release = () => {
          gate = undefined;
          resolve();
        };
      });
      return () => release();
    },
    async publish(delivery, signal) {
      deliveries.push(delivery);
      inFlight += 1;
      try {
        return await answer(delivery, signal);
      } finally {
        inFlight -= 1;
      }
    },
    close: () => Promise.resolve(),
  };
}
