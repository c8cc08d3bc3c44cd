import { setImmediate as nextTurn, setTimeout as pace } from 'node:timers/promises';

import type { Clock } from '../../src/domain/clock.js';

interface Sleeper {
  dueAt: number;
  seq: number;
  resolve: () => void;
}

/**
 * Virtual time. `sleep` resolves only when `advance` moves time past its due point; timers
 * fire in due order, and pending promise work settles between them, so "three retries then
 * a dead letter" runs in milliseconds of real time.
 */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, firing due sleepers in order and letting their work settle. */
  advance(ms: number): Promise<void>;
  /** Lets pending callbacks and I/O settle without moving time. */
  settle(): Promise<void>;
  /** Number of sleepers not yet due. */
  pending(): number;
}

export function createFakeClock(startMs = Date.parse('2026-11-29T12:00:00Z')): FakeClock {
  let nowMs = startMs;
  let seq = 0;
  const sleepers: Sleeper[] = [];

  async function settle(): Promise<void> {
    // A few turns of the event loop let chains of awaits started by fired timers run on.
    for (let i = 0; i < 5; i += 1) await nextTurn();
  }

  function nextDue(limit: number): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of sleepers) {
      if (s.dueAt > limit) continue;
      if (
        best === undefined ||
        s.dueAt < best.dueAt ||
        (s.dueAt === best.dueAt && s.seq < best.seq)
      ) {
        best = s;
      }
    }
    return best;
  }

  return {
    now: () => nowMs,
    sleep(ms, signal) {
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      return new Promise<void>((resolve, reject) => {
        const sleeper: Sleeper = {
          dueAt: nowMs + Math.max(0, ms),
          seq: seq++,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = (): void => {
          const index = sleepers.indexOf(sleeper);
          if (index >= 0) sleepers.splice(index, 1);
          reject(signal?.reason as Error);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.push(sleeper);
      });
    },
    async advance(ms) {
      const target = nowMs + ms;
      await settle();
      for (;;) {
        const due = nextDue(target);
        if (due === undefined) break;
        sleepers.splice(sleepers.indexOf(due), 1);
        nowMs = Math.max(nowMs, due.dueAt);
        due.resolve();
        await settle();
      }
      nowMs = target;
      await settle();
    },
    settle,
    pending: () => sleepers.length,
  };
}

/**
 * Waits for `stop` (an app's or engine's stop) while moving `clock` on in `stepMs` steps with
 * real pauses for I/O, as real time would pass: a stop delivers what falls due within its
 * window and waits for it on the clock, which would otherwise stand still for ever.
 */
export async function stopMovingClock(
  clock: FakeClock,
  stop: Promise<unknown>,
  stepMs = 250,
): Promise<void> {
  let stopped = false;
  const stopping = stop.finally(() => {
    stopped = true;
  });
  while (!stopped) {
    await clock.advance(stepMs);
    await pace(2);
  }
  await stopping;
}
