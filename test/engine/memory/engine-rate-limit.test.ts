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

describe('a throttled target over its lane share (docs/how-it-works.md, Isolation)', () => {
  /** chat at 1/s and pager, both sent every critical alert; a high lane of 8: shares of 4. */
  function chatAndPager(): {
    h: ReturnType<typeof anEngine>;
    chat: ReturnType<typeof recording>;
    pager: ReturnType<typeof recording>;
  } {
    const clock = createFakeClock();
    const chat = recording(clock);
    const pager = recording(clock);
    const h = anEngine({
      clock,
      targets: [
        { name: 'chat', publisher: chat, rateLimit: { perSecond: 1, burst: 1 } },
        { name: 'pager', publisher: pager },
      ],
      config: { capacity: { high: 8, medium: 8, low: 8 }, perTargetShare: 0.5 },
    });
    return { h, chat, pager };
  }

  it("dead-letters its jobs beyond its share as overflow and admits the other target's", async () => {
    const { h, chat, pager } = chatAndPager();
    for (let i = 1; i <= 7; i += 1) {
      const result = await h.engine.submit([
        aRequest('chat', { n: `${i}`, severity: 'critical' }),
        aRequest('pager', { n: `${i}`, severity: 'critical' }),
      ]);
      assert.equal(result.ok ? 'ok' : result.code, 'ok', `request ${i} admitted`);
      await h.clock.advance(10);
    }
    assert.deepEqual(
      pager.log.map(([, n]) => n),
      ['1', '2', '3', '4', '5', '6', '7'],
      'every page delivered at once, none waiting for chat',
    );
    const overflow = h.deadLetters.stored.filter((l) => l.errorReason === 'overflow');
    assert.deepEqual(
      overflow.map((l) => [l.targetName, l.alert.labels['n'], l.errorMessage]),
      ['6', '7'].map((n) => [
        'chat',
        n,
        'target chat is throttled (rate limit or 429s) and holds its share of the high lane',
      ]),
    );
    await h.clock.advance(10_000);
    assert.deepEqual(
      chat.log.map(([, n]) => n),
      ['1', '2', '3', '4', '5'],
      'chat delivers its share, paced',
    );
  });

  it('refuses a request of its jobs alone with queue_full naming it: nobody else waits', async () => {
    const { h } = chatAndPager();
    for (let i = 1; i <= 5; i += 1) {
      await submitIds(h.engine, [aRequest('chat', { n: `${i}`, severity: 'critical' })]);
    }
    const refused = await h.engine.submit([aRequest('chat', { n: '6', severity: 'critical' })]);
    assert.deepEqual(refused, {
      ok: false,
      code: 'queue_full',
      priority: 'high',
      share: { target: 'chat', held: 4, limit: 4 },
      retryAfterMs: 5_000,
    });
    assert.equal(h.deadLetters.stored.length, 0);
  });
});
