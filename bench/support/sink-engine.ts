/** Shared pieces for benches that run the engine against a sink on the real clock. */
import type { Clock, Logger, Random } from '../../src/domain/clock.js';
import type { DeadLetterFallback, DeadLetterSink } from '../../src/domain/dead-letter.js';
import { createSystemClock } from '../../src/domain/system-clock.js';

export function systemClockDeps(): { clock: Clock; random: Random } {
  return { clock: createSystemClock(), random: Math.random };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Dead letters go nowhere: benches measure delivery, not the DLQ. */
export function noopDeadLetters(): { deadLetters: DeadLetterSink; fallback: DeadLetterFallback } {
  return {
    deadLetters: { write: () => Promise.resolve() },
    fallback: { save: () => Promise.resolve() },
  };
}
