import { setTimeout as delay } from 'node:timers/promises';

import type { Clock } from './clock.js';

/** The real clock; only the composition root (app.ts) and edges construct it. */
export function createSystemClock(): Clock {
  return {
    now: () => Date.now(),
    sleep: (ms, signal) => delay(ms, undefined, signal === undefined ? undefined : { signal }),
  };
}
