import assert from 'node:assert/strict';
import { it } from 'node:test';

import type { PublishingEngine } from '../../../src/engine/publishing-engine.js';
import { anAlert } from '../../support/builders.js';
import { forEachDatabase } from '../../support/databases.js';
import { eventually } from '../../support/eventually.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { advanceUntil, scriptedPublisher, startEngine } from './support/engine-harness.js';

const RESEND_AFTER_MS = 10_000;

/** Submits alerts to t0 and returns their job ids (the submission must succeed). */
async function submit(
  engine: PublishingEngine,
  alerts: ReturnType<typeof anAlert>[],
): Promise<string[]> {
  const result = await engine.submit(alerts.map((alert) => ({ alert, target: 't0' })));
  assert.ok(result.ok);
  return result.jobIds;
}

async function stateOf(engine: PublishingEngine, id: string | undefined): Promise<string> {
  return (await engine.getJob(id ?? ''))?.state ?? 'unknown';
}

/** Unchanged re-sends (docs/alert-state.md): a target's resend_after in durable mode. */
forEachDatabase('durable engine: resend_after', (ctx) => {
  it('does not send again a state delivered within resend_after; sends it after, and a resolve at once', async (t) => {
    const clock = createFakeClock();
    const publisher = scriptedPublisher();
    publisher.answerAll({ ok: true });
    const engine = await startEngine(ctx.db(), clock, publisher, {
      target: { resendAfterMs: RESEND_AFTER_MS },
    });
    t.after(() => engine.stop(1_000));
    const x = anAlert({ team: 'resend-x' });
    const [first] = await submit(engine, [x]);
    await eventually('delivered', async () => (await stateOf(engine, first)) === 'succeeded');
    const windowEnd = clock.now() + RESEND_AFTER_MS;

    // Alertmanager re-sends the group as another alert joins it: x is unchanged.
    const [again, joined] = await submit(engine, [x, anAlert({ team: 'resend-y' })]);
    const skipped = await engine.getJob(again ?? '');
    assert.equal(skipped?.state, 'superseded');
    assert.equal(skipped?.supersededBy, first);
    await eventually('the joined alert delivered', async () => {
      return (await stateOf(engine, joined)) === 'succeeded';
    });
    assert.equal(engine.stats().superseded, 1);

    // A second duplicate is still matched against the delivered job, not the skipped one.
    const [third] = await submit(engine, [x]);
    assert.equal((await engine.getJob(third ?? ''))?.supersededBy, first);

    // Past resend_after from the delivery: sent again; then a resolve at once.
    await advanceUntil(clock, 500, 'resend_after passed', () => clock.now() >= windowEnd);
    const [later] = await submit(engine, [x]);
    await eventually('sent again', async () => (await stateOf(engine, later)) === 'succeeded');
    const [resolve] = await submit(engine, [{ ...x, status: 'resolved' }]);
    await eventually('resolve sent', async () => (await stateOf(engine, resolve)) === 'succeeded');
    assert.deepEqual(
      publisher.deliveries.map((d) => `${d.alert.labels['team']}:${d.alert.status}`),
      ['resend-x:firing', 'resend-y:firing', 'resend-x:firing', 'resend-x:resolved'],
    );
  });

  it('sends every unchanged re-send without resend_after', async (t) => {
    const clock = createFakeClock();
    const publisher = scriptedPublisher();
    publisher.answerAll({ ok: true });
    const engine = await startEngine(ctx.db(), clock, publisher);
    t.after(() => engine.stop(1_000));
    const x = anAlert({ team: 'always-x' });
    const [first] = await submit(engine, [x]);
    await eventually('delivered', async () => (await stateOf(engine, first)) === 'succeeded');
    const [again] = await submit(engine, [x]);
    await eventually('sent again', async () => (await stateOf(engine, again)) === 'succeeded');
    assert.deepEqual(
      publisher.deliveries.map((d) => d.jobId).filter((id) => id === first || id === again),
      [first, again],
    );
  });

  it('does not send a re-send admitted while the first attempt was in flight once that attempt delivers; sends one behind a failure', async (t) => {
    const clock = createFakeClock();
    const publisher = scriptedPublisher();
    const engine = await startEngine(ctx.db(), clock, publisher, {
      target: { resendAfterMs: RESEND_AFTER_MS },
    });
    t.after(() => engine.stop(1_000));
    const x = anAlert({ team: 'inflight-x' });
    const y = anAlert({ team: 'inflight-y' });
    const [firstX, firstY] = await submit(engine, [x, y]);
    await eventually('both attempts in flight', () => publisher.deliveries.length === 2);
    // The HA peer's copies of the same states, while the first attempts are in flight.
    const [secondX, secondY] = await submit(engine, [x, y]);
    publisher.answer(firstX ?? '', { ok: true });
    publisher.answer(firstY ?? '', {
      ok: false,
      type: 'transient',
      reason: 'server_error',
      message: '503',
    });
    await eventually('y sent again', () => publisher.deliveries.some((d) => d.jobId === secondY));
    publisher.answerAll({ ok: true });
    await eventually('y delivered', async () => (await stateOf(engine, secondY)) === 'succeeded');
    await eventually('x settled', async () =>
      ['superseded', 'succeeded'].includes(await stateOf(engine, secondX)),
    );
    const skipped = await engine.getJob(secondX ?? '');
    assert.equal(skipped?.state, 'superseded');
    assert.equal(skipped?.supersededBy, firstX);
    assert.equal(await stateOf(engine, firstX), 'succeeded');
    assert.equal((await engine.getJob(firstY ?? ''))?.supersededBy, secondY);

    // A later copy of x is matched against the delivered job again.
    const [thirdX] = await submit(engine, [x]);
    assert.equal((await engine.getJob(thirdX ?? ''))?.supersededBy, firstX);
    assert.deepEqual(
      publisher.deliveries.map((d) => d.jobId),
      [firstX, firstY, secondY],
    );
  });
});
