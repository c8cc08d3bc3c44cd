import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { pino } from 'pino';
import { Registry } from 'prom-client';

import { createFakeClock } from '../../test/support/fake-clock.js';
import { createAttemptHistory } from './attempt-history.js';
import { createMetrics } from './metrics.js';

function setup(options: { windowMs?: number } = {}) {
  const clock = createFakeClock();
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const history = createAttemptHistory({
    metrics,
    clock,
    logger: pino({ level: 'silent' }),
    ...options,
  });
  return { clock, registry, metrics, history };
}

describe('createAttemptHistory', () => {
  it('turns the increase of attempts_total in each 10 s into a bucket of deliveries and failures by reason', async () => {
    const { clock, metrics, history } = setup();
    metrics.attempts.inc({ target: 'hook', outcome: 'success', reason: '' }, 5);
    history.start();
    await clock.settle();
    metrics.attempts.inc({ target: 'hook', outcome: 'success', reason: '' }, 3);
    metrics.attempts.inc({ target: 'hook', outcome: 'failure', reason: 'server_error' }, 2);
    metrics.attempts.inc({ target: 'chat', outcome: 'failure', reason: 'timeout' });
    await clock.advance(10_000);
    metrics.attempts.inc({ target: 'chat', outcome: 'failure', reason: 'timeout' }, 4);
    await clock.advance(10_000);
    await history.stop();

    const start = Date.parse('2026-11-29T12:00:00Z');
    assert.deepEqual(history.buckets(), [
      {
        startMs: start,
        endMs: start + 10_000,
        deliveries: 3,
        failures: { server_error: 2, timeout: 1 },
      },
      { startMs: start + 10_000, endMs: start + 20_000, deliveries: 0, failures: { timeout: 4 } },
    ]);
  });

  it('keeps only the buckets of the window, oldest first', async () => {
    const { clock, metrics, history } = setup({ windowMs: 30_000 });
    history.start();
    for (let i = 1; i <= 5; i += 1) {
      metrics.attempts.inc({ target: 'hook', outcome: 'success', reason: '' }, i);
      await clock.advance(10_000);
    }
    await history.stop();
    assert.deepEqual(
      history.buckets().map((bucket) => bucket.deliveries),
      [3, 4, 5],
    );
  });

  it('tells per target the exact last success and the interval of the last failure', async () => {
    const { clock, metrics, history } = setup();
    history.start();
    metrics.lastSuccess.set({ target: 'hook' }, Date.parse('2026-11-29T12:00:03.250Z') / 1000);
    await clock.advance(10_000);
    metrics.attempts.inc({ target: 'hook', outcome: 'failure', reason: 'network' });
    await clock.advance(10_000);
    await history.stop();
    assert.deepEqual(history.activity('hook'), {
      lastSuccessAt: Date.parse('2026-11-29T12:00:03.250Z'),
      lastFailureAt: Date.parse('2026-11-29T12:00:20Z'),
    });
    assert.deepEqual(history.activity('unknown'), {});
  });

  it('moves the last failure and success to a target test at its exact time, never back', async () => {
    const { clock, metrics, history } = setup();
    history.start();
    await clock.advance(5_000);
    history.recordTest('hook', false);
    assert.deepEqual(history.activity('hook'), {
      lastFailureAt: Date.parse('2026-11-29T12:00:05Z'),
    });
    await clock.advance(2_000);
    history.recordTest('hook', true);
    // An older success in the gauge does not move the test's success back.
    metrics.lastSuccess.set({ target: 'hook' }, Date.parse('2026-11-29T12:00:01Z') / 1000);
    await clock.advance(10_000);
    await history.stop();
    assert.deepEqual(history.activity('hook'), {
      lastSuccessAt: Date.parse('2026-11-29T12:00:07Z'),
      lastFailureAt: Date.parse('2026-11-29T12:00:05Z'),
    });
    assert.equal(history.buckets().length, 1);
    assert.deepEqual(history.buckets()[0]?.failures, {});
  });

  it('counts a series that went down as restarted from zero', async () => {
    const { clock, metrics, history } = setup();
    metrics.attempts.inc({ target: 'hook', outcome: 'success', reason: '' }, 10);
    history.start();
    await clock.settle();
    metrics.attempts.reset();
    metrics.attempts.inc({ target: 'hook', outcome: 'success', reason: '' }, 2);
    await clock.advance(10_000);
    await history.stop();
    assert.deepEqual(
      history.buckets().map((bucket) => bucket.deliveries),
      [2],
    );
  });

  it('stops sampling on stop()', async () => {
    const { clock, history } = setup();
    history.start();
    await clock.advance(10_000);
    await history.stop();
    await clock.advance(60_000);
    assert.equal(history.buckets().length, 1);
    assert.equal(clock.pending(), 0);
  });
});
