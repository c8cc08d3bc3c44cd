import type { Clock } from '../../domain/clock.js';

// Made once: abort() without a reason builds a DOMException, with a stack, per wake.
const WOKEN = new Error('woken');

/**
 * Lets a loop sleep until woken or until a timeout on the injected clock. A wake that arrives
 * while the loop is busy is remembered, so the next wait returns at once (no lost wake-up).
 */
export function createWakeSignal(clock: Clock): {
  wake(): void;
  /** Forgets earlier wakes: call just before looking for work. */
  reset(): void;
  /** Whether it was woken since the last reset or wait. */
  isPending(): boolean;
  wait(timeoutMs: number): Promise<void>;
} {
  let pending = false;
  let sleeping: AbortController | undefined;
  return {
    wake() {
      pending = true;
      sleeping?.abort(WOKEN);
    },
    reset() {
      pending = false;
    },
    isPending: () => pending,
    async wait(timeoutMs) {
      if (pending) {
        pending = false;
        return;
      }
      sleeping = new AbortController();
      // Woken early = aborted sleep: both ways mean "look again".
      await clock.sleep(Math.max(0, timeoutMs), sleeping.signal).then(
        () => undefined,
        () => undefined,
      );
      sleeping = undefined;
      pending = false;
    },
  };
}
