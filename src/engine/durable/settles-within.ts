import type { Clock } from '../../domain/clock.js';

/**
 * Waits for `work` at most `ms` on the clock. True when it settled in time (either way), false
 * when the time ran out first; the work itself goes on unobserved (its errors are its own).
 */
export async function settlesWithin(
  clock: Clock,
  ms: number,
  work: Promise<unknown>,
): Promise<boolean> {
  const done = new AbortController();
  let settled = false;
  void work.then(
    () => {
      settled = true;
      done.abort();
    },
    () => {
      settled = true;
      done.abort();
    },
  );
  await clock.sleep(ms, done.signal).then(
    () => undefined,
    () => undefined,
  );
  return settled;
}
