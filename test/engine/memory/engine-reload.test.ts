import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_ENGINE_CONFIG } from '../../support/engine-defaults.js';
import { createScriptedPublisher, OK, SERVER_ERROR } from '../../support/scripted-publisher.js';
import { aRequest, aTarget, anEngine, submitIds } from './engine-harness.js';
import type { Harness } from './engine-harness.js';

const NO_RETRY = { maxRetries: 0 };

describe('engine reload', () => {
  it('dead-letters the waiting jobs of a removed target as target_removed and lets its attempt in flight finish', async () => {
    const removed = createScriptedPublisher(SERVER_ERROR);
    const release = removed.hold();
    const kept = createScriptedPublisher(OK);
    const h = anEngine({
      targets: [
        { name: 'gone', publisher: removed },
        { name: 'kept', publisher: kept },
      ],
      config: { perTargetConcurrency: 1 },
    });
    const [inFlight, waiting] = await submitIds(h.engine, [
      aRequest('gone', { n: '1' }),
      aRequest('gone', { n: '2' }),
    ]);
    await h.clock.settle();
    assert.equal(removed.inFlight, 1);
    const summary = await h.engine.reconfigure(
      new Map([['kept', aTarget({ name: 'kept', publisher: kept })]]),
      { ...DEFAULT_ENGINE_CONFIG, perTargetConcurrency: 1 },
    );
    assert.deepEqual(summary, {
      added: [],
      removed: ['gone'],
      changed: ['kept'],
      deadLettered: 1,
      deadLetterDeferred: [],
    });
    await h.clock.advance(10);
    assert.equal((await h.engine.getJob(waiting ?? ''))?.state, 'dlq');
    release();
    await h.clock.advance(10);
    const letters = h.deadLetters.stored.map((l) => [l.jobId, l.errorReason]);
    assert.deepEqual(letters, [
      [waiting, 'target_removed'],
      [inFlight, 'target_removed'],
    ]);
    const refused = await h.engine.submit([aRequest('gone')]);
    assert.equal(!refused.ok && refused.code, 'unknown_target');
    assert.equal((await h.engine.submit([aRequest('kept')])).ok, true);
  });

  it('adds a target and changes lane capacity and workers at once', async () => {
    const publisher = createScriptedPublisher(OK);
    publisher.hold();
    const h = anEngine({
      targets: [{ name: 'a', publisher }],
      config: { workers: 1, capacity: { high: 2, medium: 2, low: 2 } },
    });
    await submitIds(h.engine, [aRequest('a', { n: '1' }), aRequest('a', { n: '2' })]);
    await h.clock.settle();
    assert.equal(publisher.inFlight, 1);
    const refused = await h.engine.submit([aRequest('a', { n: '3' })]);
    assert.equal(!refused.ok && refused.code, 'queue_full');
    const added = createScriptedPublisher(OK);
    const targets = new Map([
      ['a', aTarget({ name: 'a', publisher })],
      ['b', aTarget({ name: 'b', publisher: added })],
    ]);
    const config = {
      ...DEFAULT_ENGINE_CONFIG,
      workers: 4,
      capacity: { high: 9, medium: 9, low: 9 },
    };
    await h.engine.reconfigure(targets, config);
    await h.clock.settle();
    assert.equal(publisher.inFlight, 2, 'the second worker took the waiting job');
    await submitIds(h.engine, [aRequest('a', { n: '3' }), aRequest('b', { n: '4' })]);
    await h.clock.settle();
    assert.equal(added.deliveries.length, 1);
    assert.equal(h.engine.status().lanes.medium.capacity, 9);
    assert.equal(h.engine.status().workers, 4);
  });

  const BREAKER = { failureThreshold: 2, successThreshold: 1, openTimeoutMs: 600_000 };

  /** An engine whose target `a` failed twice, its breaker now open for 10 minutes. */
  async function anOpenBreaker(): Promise<Harness> {
    const h = anEngine({
      targets: [{ name: 'a', publisher: createScriptedPublisher(SERVER_ERROR), retry: NO_RETRY }],
      config: { breaker: BREAKER },
    });
    await submitIds(h.engine, [aRequest('a', { n: '1' }), aRequest('a', { n: '2' })]);
    await h.clock.advance(10);
    assert.equal(h.engine.breakerState('a'), 'open');
    return h;
  }

  function transitionLines(h: Harness): object[] {
    return h.logs.filter((l) => l.msg === 'circuit breaker changed state').map((l) => l.obj);
  }

  it('keeps an open breaker when a reload changes the target but not where it sends', async () => {
    const h = await anOpenBreaker();
    const still = createScriptedPublisher(SERVER_ERROR);
    const summary = await h.engine.reconfigure(
      new Map([['a', aTarget({ name: 'a', publisher: still, retry: { maxRetries: 7 } })]]),
      { ...DEFAULT_ENGINE_CONFIG, breaker: BREAKER },
    );
    assert.deepEqual(summary.changed, ['a'], 'a changed target');
    assert.equal(h.engine.breakerState('a'), 'open');
    await submitIds(h.engine, [aRequest('a', { n: '3' })]);
    await h.clock.advance(10);
    assert.equal(still.deliveries.length, 0, 'its job waits for the probe');
    assert.match(await h.registry.metrics(), /circuit_breaker_state\{target="a"\} 2/);
    assert.equal(transitionLines(h).length, 1, 'the opening only');
    await h.clock.advance(600_000);
    assert.equal(still.deliveries.length, 1, 'the probe, when the open time is over');
  });

  it('dead-letters the jobs behind an open breaker at the max_job_age a reload lowered', async () => {
    const h = await anOpenBreaker();
    await submitIds(h.engine, [aRequest('a', { n: '3' })]);
    await h.clock.advance(10_000);
    const still = createScriptedPublisher(SERVER_ERROR);
    await h.engine.reconfigure(
      new Map([['a', aTarget({ name: 'a', publisher: still, retry: { maxJobAgeMs: 20_000 } })]]),
      { ...DEFAULT_ENGINE_CONFIG, breaker: BREAKER },
    );
    assert.equal(h.engine.breakerState('a'), 'open', 'the same endpoint: kept open');
    await h.clock.advance(10_100);
    const letters = h.deadLetters.stored;
    assert.deepEqual(
      letters.map((l) => [l.errorReason, l.failedAt - l.submittedAt]),
      [
        ['circuit_open', 20_000],
        ['circuit_open', 20_000],
        ['circuit_open', 20_000],
      ],
    );
  });

  it('resets an open breaker when a reload points the target elsewhere, logged and counted', async () => {
    const h = await anOpenBreaker();
    const elsewhere = createScriptedPublisher(OK);
    await h.engine.reconfigure(
      new Map([
        [
          'a',
          aTarget({ name: 'a', publisher: elsewhere, endpoint: 'https://other.example.com/hook' }),
        ],
      ]),
      { ...DEFAULT_ENGINE_CONFIG, breaker: BREAKER },
    );
    assert.equal(h.engine.breakerState('a'), 'closed');
    const text = await h.registry.metrics();
    assert.match(text, /circuit_breaker_state\{target="a"\} 0/);
    assert.match(text, /circuit_breaker_transitions_total\{target="a",to="closed"\} 1/);
    assert.deepEqual(transitionLines(h).at(-1), {
      target: 'a',
      to: 'closed',
      reason: 'reload: the target sends to another endpoint',
    });
    await submitIds(h.engine, [aRequest('a', { n: '3' })]);
    await h.clock.advance(10);
    assert.equal(elsewhere.deliveries.length, 1);
  });

  it('applies new breaker settings to an open breaker: a shorter open time lets its probe through', async () => {
    const h = await anOpenBreaker();
    await submitIds(h.engine, [aRequest('a', { n: '3' })]);
    await h.engine.reconfigure(
      new Map([['a', aTarget({ name: 'a', publisher: createScriptedPublisher(OK) })]]),
      { ...DEFAULT_ENGINE_CONFIG, breaker: { ...BREAKER, openTimeoutMs: 60_000 } },
    );
    assert.equal(h.engine.breakerState('a'), 'open');
    await h.clock.advance(60_000);
    assert.equal(h.engine.breakerState('a'), 'closed', 'probed after 1 minute, not 10');
  });
});
