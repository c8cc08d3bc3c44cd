import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_ENGINE_CONFIG } from '../../support/engine-defaults.js';
import { createScriptedPublisher, OK, SERVER_ERROR } from '../../support/scripted-publisher.js';
import { aRequest, aTarget, anEngine, submitIds } from './engine-harness.js';

const HOUR = 3_600_000;

/** Unchanged re-sends (docs/alert-state.md): a target's resend_after in memory mode. */
describe('engine resend_after', () => {
  it('does not send again a state delivered within resend_after; sends it after, and a resolve at once', async () => {
    const publisher = createScriptedPublisher(OK);
    const h = anEngine({ targets: [{ name: 'a', publisher, resendAfterMs: HOUR }] });
    const [first] = await submitIds(h.engine, [aRequest('a', { n: 'x' })]);
    await h.clock.advance(1_000);
    assert.equal((await h.engine.getJob(first ?? ''))?.state, 'succeeded');

    // Alertmanager re-sends the group as another alert joins it: x is unchanged.
    const [again, joined] = await submitIds(h.engine, [
      aRequest('a', { n: 'x' }),
      aRequest('a', { n: 'y' }),
    ]);
    await h.clock.advance(1_000);
    assert.deepEqual(
      publisher.deliveries.map((d) => d.alert.labels['n']),
      ['x', 'y'],
    );
    const skipped = await h.engine.getJob(again ?? '');
    assert.equal(skipped?.state, 'superseded');
    assert.equal(skipped?.supersededBy, first);
    assert.equal((await h.engine.getJob(joined ?? ''))?.state, 'succeeded');
    assert.match(
      await h.registry.metrics(),
      /jobs_finished_total\{target="a",state="superseded"\} 1/,
    );
    assert.ok(h.logs.some((log) => log.msg === 'job superseded'));

    // A second duplicate is still matched against the delivered job, not the skipped one.
    await h.clock.advance(30 * 60_000);
    const [third] = await submitIds(h.engine, [aRequest('a', { n: 'x' })]);
    assert.equal((await h.engine.getJob(third ?? ''))?.supersededBy, first);

    // Past resend_after from the delivery: sent again.
    await h.clock.advance(HOUR);
    const [later] = await submitIds(h.engine, [aRequest('a', { n: 'x' })]);
    await h.clock.advance(1_000);
    assert.equal((await h.engine.getJob(later ?? ''))?.state, 'succeeded');

    const [resolve] = await submitIds(h.engine, [aRequest('a', { n: 'x' }, 'resolved')]);
    await h.clock.advance(1_000);
    assert.equal((await h.engine.getJob(resolve ?? ''))?.state, 'succeeded');
    assert.deepEqual(
      publisher.deliveries.map((d) => `${d.alert.labels['n']}:${d.alert.status}`),
      ['x:firing', 'y:firing', 'x:firing', 'x:resolved'],
    );
  });

  it('sends every unchanged re-send without resend_after', async () => {
    const publisher = createScriptedPublisher(OK);
    const h = anEngine({ targets: [{ name: 'a', publisher }] });
    await submitIds(h.engine, [aRequest('a', { n: 'x' })]);
    await h.clock.advance(1_000);
    const [again] = await submitIds(h.engine, [aRequest('a', { n: 'x' })]);
    await h.clock.advance(1_000);
    assert.equal((await h.engine.getJob(again ?? ''))?.state, 'succeeded');
    assert.equal(publisher.deliveries.length, 2);
  });

  it('sends the same state again when its job was not delivered: dead-lettered, or evicted from the status store', async () => {
    const publisher = createScriptedPublisher(OK);
    publisher.script(SERVER_ERROR);
    const h = anEngine({
      // max_job_age 1 s: the job is dead-lettered at its failure, not kept for the target.
      targets: [
        { name: 'a', publisher, resendAfterMs: HOUR, retry: { maxRetries: 0, maxJobAgeMs: 1_000 } },
      ],
      trackingCapacity: 2,
    });
    const [dead] = await submitIds(h.engine, [aRequest('a', { n: 'x' })]);
    await h.clock.advance(1_000);
    assert.equal((await h.engine.getJob(dead ?? ''))?.state, 'dlq');
    const [retry] = await submitIds(h.engine, [aRequest('a', { n: 'x' })]);
    await h.clock.advance(1_000);
    assert.equal((await h.engine.getJob(retry ?? ''))?.state, 'succeeded');

    // Two more jobs push the delivered one out of a status store of 2.
    await submitIds(h.engine, [aRequest('a', { n: 'p' }), aRequest('a', { n: 'q' })]);
    await h.clock.advance(1_000);
    assert.equal(h.store.get(retry ?? ''), undefined);
    const [unknown] = await submitIds(h.engine, [aRequest('a', { n: 'x' })]);
    await h.clock.advance(1_000);
    assert.equal((await h.engine.getJob(unknown ?? ''))?.state, 'succeeded');
  });

  it('skips a normal replay of a state delivered within resend_after; a forced replay is sent', async () => {
    const publisher = createScriptedPublisher(OK);
    const h = anEngine({ targets: [{ name: 'a', publisher, resendAfterMs: HOUR }] });
    const [first] = await submitIds(h.engine, [aRequest('a', { n: 'x' })]);
    await h.clock.advance(1_000);
    const [replayed] = await submitIds(h.engine, [
      { ...aRequest('a', { n: 'x' }), replayOf: 'letter-1' },
    ]);
    const skipped = await h.engine.getJob(replayed ?? '');
    assert.equal(skipped?.state, 'superseded');
    assert.equal(skipped?.supersededBy, first);
    const [forced] = await submitIds(h.engine, [
      { ...aRequest('a', { n: 'x' }), replayOf: 'letter-1', force: true },
    ]);
    await h.clock.advance(1_000);
    assert.equal((await h.engine.getJob(forced ?? ''))?.state, 'succeeded');
    assert.equal(publisher.deliveries.length, 2);
  });

  it('applies a resend_after set by a reload to the jobs admitted after it', async () => {
    const publisher = createScriptedPublisher(OK);
    const h = anEngine({ targets: [{ name: 'a', publisher }] });
    const [first] = await submitIds(h.engine, [aRequest('a', { n: 'x' })]);
    await h.clock.advance(1_000);
    await h.engine.reconfigure(
      new Map([['a', aTarget({ name: 'a', publisher, resendAfterMs: HOUR })]]),
      DEFAULT_ENGINE_CONFIG,
    );
    const [again] = await submitIds(h.engine, [aRequest('a', { n: 'x' })]);
    assert.equal((await h.engine.getJob(again ?? ''))?.supersededBy, first);
    assert.equal(publisher.deliveries.length, 1);
  });

  it('does not send a re-send admitted while the first attempt was in flight once that attempt delivers; sends one behind a failure', async () => {
    // The first attempt at y fails (its job's), every other attempt succeeds.
    let yAttempts = 0;
    const publisher = createScriptedPublisher((d) => {
      if (d.alert.labels['n'] === 'y') yAttempts += 1;
      return d.alert.labels['n'] === 'y' && yAttempts === 1 ? SERVER_ERROR : OK;
    });
    const h = anEngine({ targets: [{ name: 'a', publisher, resendAfterMs: HOUR }] });
    const release = publisher.hold();
    const [firstX, firstY] = await submitIds(h.engine, [
      aRequest('a', { n: 'x' }),
      aRequest('a', { n: 'y' }),
    ]);
    await h.clock.advance(100);
    assert.equal(publisher.inFlight, 2);
    // The HA peer's copies of the same states, 100 ms later.
    const [secondX, secondY] = await submitIds(h.engine, [
      aRequest('a', { n: 'x' }),
      aRequest('a', { n: 'y' }),
    ]);
    release();
    await h.clock.advance(1_000);
    assert.equal((await h.engine.getJob(firstX ?? ''))?.state, 'succeeded');
    const skipped = await h.engine.getJob(secondX ?? '');
    assert.equal(skipped?.state, 'superseded');
    assert.equal(skipped?.supersededBy, firstX);
    // The failed job is not retried: the copy waiting behind it is the one sent.
    assert.equal((await h.engine.getJob(firstY ?? ''))?.supersededBy, secondY);
    assert.equal((await h.engine.getJob(secondY ?? ''))?.state, 'succeeded');

    // A later copy of x is matched against the delivered job again.
    const [thirdX] = await submitIds(h.engine, [aRequest('a', { n: 'x' })]);
    assert.equal((await h.engine.getJob(thirdX ?? ''))?.supersededBy, firstX);
    assert.deepEqual(
      publisher.deliveries.map((d) => d.jobId),
      [firstX, firstY, secondY],
    );
  });
});
