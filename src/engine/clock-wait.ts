import type { Clock } from '../domain/clock.js';

/** Sleeps on the injected clock; resolves true when the time passed, false when aborted. */
export async function sleepUnlessAborted(
  clock: Clock,
  ms: number,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await clock.sleep(ms, signal);
    return true;
  } catch (error: unknown) {
    if (signal.aborted) return false;
    throw new Error('clock.sleep failed', { cause: error });
  }
}

/** Waits for `work` at most `ms` on the clock; `undefined` when the time ran out first. */
export async function within<T>(
  clock: Clock,
  ms: number,
  work: Promise<T>,
): Promise<T | undefined> {
  const timer = new AbortController();
  const expired = sleepUnlessAborted(clock, ms, timer.signal).then(() => undefined);
  try {
    return await Promise.race([work, expired]);
  } finally {
    timer.abort();
  }
}

/**
 * Resolves when `done()` holds or at `deadline` on the clock, whichever comes first.
 * `subscribe` receives the function the caller runs whenever `done` may have changed.
 */
export async function waitUntil(
  clock: Clock,
  deadline: number,
  done: () => boolean,
  subscribe: (check: () => void) => void,
): Promise<void> {
  if (done()) return;
  const timer = new AbortController();
  const reached = new Promise<void>((resolve) => {
    subscribe(() => {
      if (done()) resolve();
    });
  });
  const remaining = Math.max(0, deadline - clock.now());
  await Promise.race([reached, sleepUnlessAborted(clock, remaining, timer.signal)]);
  timer.abort();
}

/**
 * Whether `work` settles (either way) within `ms` on the clock. When the time runs out first
 * the work goes on unobserved (its errors are its own).
 */
export async function settlesWithin(
  clock: Clock,
  ms: number,
  work: Promise<unknown>,
): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  return (await within(clock, ms, settled)) === true;
}
