import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Clock } from '../../../src/domain/clock.js';
import type { Publisher } from '../../../src/domain/publisher.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { OK, failure } from '../../support/scripted-publisher.js';
import { aRequest, anEngine, submitIds } from './engine-harness.js';

/**
 * A receiver with a hard limit: at most `perSecond` requests accepted in any rolling second;
 * beyond it, 429 with `Retry-After: 1` (as Slack answers).
 */
function quotaReceiver(
  clock: Clock,
  perSecond: number,
): Publisher & { accepted: number[]; refused: number } {
  const accepted: number[] = [];
  const receiver = {
    accepted,
    refused: 0,
    publish() {
      const now = clock.now();
      if (accepted.filter((at) => now - at < 1_000).length >= perSecond) {
        receiver.refused += 1;
        return Promise.resolve(failure(429, 'transient', 'rate_limited', 1_000));
      }
      accepted.push(now);
      return Promise.resolve(OK);
    },
    close: () => Promise.resolve(),
  };
  return receiver;
}

/** Sends `alerts` to a target without `rate_limit` in front of a `perSecond` receiver. */
async function deliverThrough(
  perSecond: number,
  alerts: number,
): Promise<{ ratePerSecond: number; refusedShare: number; deadLetters: number }> {
  const clock = createFakeClock();
  const receiver = quotaReceiver(clock, perSecond);
  const h = anEngine({ clock, targets: [{ name: 'chat', publisher: receiver }] });
  await submitIds(
    h.engine,
    Array.from({ length: alerts }, (_, i) => aRequest('chat', { n: `${i}` })),
  );
  const started = clock.now();
  for (let step = 0; step < 60_000 && receiver.accepted.length < alerts; step += 1) {
    await clock.advance(10);
  }
  const seconds = ((receiver.accepted.at(-1) ?? started) - started) / 1_000;
  const attempts = receiver.accepted.length + receiver.refused;
  return {
    // The first request of a run goes at once: the rate is over the gaps after it.
    ratePerSecond: (receiver.accepted.length - 1) / seconds,
    refusedShare: receiver.refused / attempts,
    deadLetters: h.deadLetters.stored.length,
  };
}

describe('adaptive throttling against a hard limit (docs/how-it-works.md, Rate limits)', () => {
  for (const [perSecond, alerts] of [
    [1, 90],
    [5, 100],
  ] as const) {
    it(`settles near ${perSecond}/s with few 429s when the target answers Retry-After: 1`, async () => {
      const run = await deliverThrough(perSecond, alerts);
      assert.equal(run.deadLetters, 0);
      assert.ok(
        run.ratePerSecond >= perSecond * 0.8,
        `delivered at ${run.ratePerSecond.toFixed(2)}/s, far below the target's ${perSecond}/s`,
      );
      assert.ok(
        run.refusedShare < 0.1,
        `${(run.refusedShare * 100).toFixed(0)}% of the attempts were answered 429`,
      );
    });
  }
});
