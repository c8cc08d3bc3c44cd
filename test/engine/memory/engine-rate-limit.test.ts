import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Clock } from '../../../src/domain/clock.js';
import type { Delivery, Publisher, PublishOutcome } from '../../../src/domain/publisher.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { OK, RATE_LIMITED } from '../../support/scripted-publisher.js';
import { aRequest, anEngine, submitIds } from './engine-harness.js';

/** Records [time, alert name] per attempt and answers with `answer`. */
function recording(
  clock: Clock,
  answer: (delivery: Delivery) => PublishOutcome = () => OK,
): Publisher & { log: Array<[number, string]> } {
  const log: Array<[number, string]> = [];
  return {
    log,
    publish(delivery) {
      log.push([clock.now(), delivery.alert.labels['n'] ?? '']);
      return Promise.resolve(answer(delivery));
    },
    close: () => Promise.resolve(),
  };
}

describe('engine rate limits', () => {
  it('paces a target at its rate_limit without holding workers, a critical job first', async () => {
    const clock = createFakeClock();
    const limited = recording(clock);
    const other = recording(clock);
    const h = anEngine({
      clock,
      targets: [
        { name: 'slack', publisher: limited, rateLimit: { perSecond: 2, burst: 1 } },
        { name: 'other', publisher: other },
      ],
      config: { workers: 1 },
    });
    await submitIds(
      h.engine,
      ['w1', 'w2', 'w3', 'w4'].map((n) => aRequest('slack', { n, severity: 'warning' })),
    );
    await h.clock.settle();
    await submitIds(h.engine, [aRequest('slack', { n: 'crit', severity: 'critical' })]);
    await submitIds(h.engine, [aRequest('other', { n: 'o1' })]);
    await h.clock.advance(3_000);
    const t0 = limited.log[0]?.[0] ?? 0;
    assert.deepEqual(
      limited.log.map(([at, n]) => [at - t0, n]),
      [
        [0, 'w1'],
        [500, 'crit'],
        [1_000, 'w2'],
        [1_500, 'w3'],
        [2_000, 'w4'],
      ],
    );
    assert.deepEqual(
      other.log.map(([at, n]) => [at - t0, n]),
      [[0, 'o1']],
      'the one worker was free for the other target while the limited one waited',
    );
  });

  it('halves the rate on a 429 and recovers after successes, delivering everything', async () => {
    const clock = createFakeClock();
    let calls = 0;
    // Rate-limits the 3rd and 4th attempts only.
    const target = recording(clock, () => {
      calls += 1;
      return calls === 3 || calls === 4 ? RATE_LIMITED : OK;
    });
    const h = anEngine({
      clock,
      targets: [{ name: 't', publisher: target, rateLimit: { perSecond: 4, burst: 1 } }],
    });
    await submitIds(
      h.engine,
      Array.from({ length: 12 }, (_, i) => aRequest('t', { n: `${i}` })),
    );
    await h.clock.advance(60_000);
    const delivered = new Set(target.log.map(([, n]) => n));
    assert.equal(delivered.size, 12);
    assert.equal(h.deadLetters.stored.length, 0);
    const gaps = target.log.slice(1).map(([at], i) => at - (target.log[i]?.[0] ?? 0));
    assert.ok(
      gaps.slice(0, 2).every((gap) => gap === 250),
      'paced at 4/s at first',
    );
    assert.ok(
      gaps.slice(3, 5).every((gap) => gap >= 500),
      'slower after the 429: at most 2/s, recovering',
    );
  });
});
