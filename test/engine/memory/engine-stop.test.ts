import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { DeadLetter } from '../../../src/domain/dead-letter.js';
import {
  BAD_REQUEST,
  createScriptedPublisher,
  OK,
  SERVER_ERROR,
} from '../../support/scripted-publisher.js';
import { aRequest, anEngine, submitIds } from './engine-harness.js';
import type { Harness } from './engine-harness.js';

/** Starts stop() and records the clock time it resolved at. */
function stopping(h: Harness, timeoutMs: number): { resolvedAt: () => number | undefined } {
  let at: number | undefined;
  void h.engine.stop(timeoutMs).then(() => {
    at = h.clock.now();
  });
  return { resolvedAt: () => at };
}

const reasons = (letters: DeadLetter[]): string[] => letters.map((l) => l.errorReason).sort();

describe('engine stop', () => {
  it('delivers work due before the timeout, dead-letters the rest as shutdown, then refuses submissions', async () => {
    const flaky = createScriptedPublisher(OK);
    flaky.script(SERVER_ERROR);
    const down = createScriptedPublisher(SERVER_ERROR);
    const h = anEngine({
      targets: [
        { name: 'flaky', publisher: flaky },
        { name: 'down', publisher: down, retry: { baseMs: 20_000 } },
      ],
    });
    const [flakyId] = await submitIds(h.engine, [aRequest('flaky')]);
    const [downId] = await submitIds(h.engine, [aRequest('down')]);
    await h.clock.settle();
    const t0 = h.clock.now();
    const stop = stopping(h, 10_000);
    const second = h.engine.stop(10_000);
    const refused = await h.engine.submit([aRequest('flaky')]);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.code, 'stopping');
    await h.clock.advance(2_000);
    assert.equal(
      (await h.engine.getJob(flakyId ?? ''))?.state,
      'succeeded',
      'the retry due at 2s ran',
    );
    assert.equal(stop.resolvedAt(), t0 + 2_000, 'nothing else could run before the timeout');
    await second;
    const letter = h.deadLetters.stored.find((l) => l.jobId === downId);
    assert.equal(letter?.errorReason, 'shutdown');
    assert.equal(letter?.retryCount, 0, 'its retry was never made');
    assert.equal((await h.engine.getJob(downId ?? ''))?.state, 'dlq');
  });

  it('counts only the retries made in the retry_count of a job stopped while it waits for its next retry', async () => {
    const down = createScriptedPublisher(SERVER_ERROR);
    const h = anEngine({ targets: [{ name: 'down', publisher: down }] });
    const [id] = await submitIds(h.engine, [aRequest('down')]);
    await h.clock.advance(2_000); // the first retry, 2 s after the first attempt, fails too
    assert.equal(down.deliveries.length, 2);
    assert.equal((await h.engine.getJob(id ?? ''))?.state, 'retrying', 'the next is due in 4 s');
    await h.engine.stop(1_000);
    const letter = h.deadLetters.stored.find((l) => l.jobId === id);
    assert.equal(letter?.errorReason, 'shutdown');
    assert.equal(letter?.attempts.length, 2);
    assert.equal(letter?.retryCount, 1, 'the retry that was waiting was never made');
    assert.equal((await h.engine.getJob(id ?? ''))?.retries, 1, 'the job says the same');
  });

  it('gives attempts in flight at the timeout the flush window, then cancels them as possibly delivered', async () => {
    const hang = createScriptedPublisher('hang');
    const h = anEngine({
      targets: [{ name: 'hang', publisher: hang, timeoutMs: 60_000 }],
      config: { stopFlushMs: 3_000 },
    });
    const queued = await submitIds(
      h.engine,
      Array.from({ length: 6 }, (_, i) => aRequest('hang', { n: `${i}` })),
    );
    await h.clock.settle();
    const t0 = h.clock.now();
    const stop = stopping(h, 5_000);
    await h.clock.advance(5_000);
    assert.equal(hang.inFlight, 4, 'in flight at the deadline: not cancelled yet');
    await h.clock.advance(2_999);
    assert.equal(stop.resolvedAt(), undefined);
    await h.clock.advance(1);
    assert.equal(stop.resolvedAt(), t0 + 8_000);
    assert.equal(hang.inFlight, 0);
    assert.deepEqual(reasons(h.deadLetters.stored), Array(6).fill('shutdown'));
    const possibly = h.deadLetters.stored.filter((l) => l.possiblyDelivered === true);
    assert.equal(possibly.length, 4, 'the four attempts cancelled in flight');
    for (const id of queued) assert.equal((await h.engine.getJob(id))?.state, 'dlq');
  });

  it('records the result of an attempt that finishes within the flush window: no letter, no duplicate', async () => {
    const slow = createScriptedPublisher(OK);
    const release = slow.hold();
    const h = anEngine({
      targets: [{ name: 'slow', publisher: slow }],
      config: { stopFlushMs: 3_000 },
    });
    const [id] = await submitIds(h.engine, [aRequest('slow')]);
    await h.clock.settle();
    const stop = stopping(h, 1_000);
    await h.clock.advance(2_000);
    release();
    await h.clock.advance(3_000);
    assert.notEqual(stop.resolvedAt(), undefined);
    assert.equal((await h.engine.getJob(id ?? ''))?.state, 'succeeded');
    assert.deepEqual(h.deadLetters.stored, []);
  });

  it('makes a job whose attempt fails in the flush window with retries left a shutdown letter', async () => {
    const timesOut = createScriptedPublisher('hang');
    const failing = createScriptedPublisher(SERVER_ERROR);
    const releaseFailing = failing.hold();
    const refusing = createScriptedPublisher(BAD_REQUEST);
    const releaseRefusing = refusing.hold();
    const h = anEngine({
      targets: [
        { name: 'times-out', publisher: timesOut, timeoutMs: 3_000 },
        { name: 'failing', publisher: failing },
        { name: 'refusing', publisher: refusing },
      ],
      config: { stopFlushMs: 5_000 },
    });
    const [timedOut, failed, refused] = await submitIds(h.engine, [
      aRequest('times-out'),
      aRequest('failing'),
      aRequest('refusing'),
    ]);
    await h.clock.settle();
    const stop = stopping(h, 1_000);
    await h.clock.advance(2_000);
    assert.equal(stop.resolvedAt(), undefined, 'in the flush window');
    releaseFailing();
    releaseRefusing();
    await h.clock.advance(10_000);
    assert.notEqual(stop.resolvedAt(), undefined);

    const letterOf = (id: string | undefined) => h.deadLetters.stored.find((l) => l.jobId === id);
    assert.equal(letterOf(failed)?.errorReason, 'shutdown', 'it had retries left');
    assert.notEqual(letterOf(failed)?.possiblyDelivered, true, 'the target answered 503');
    assert.equal(letterOf(timedOut)?.errorReason, 'shutdown', 'it had retries left');
    assert.equal(letterOf(timedOut)?.possiblyDelivered, true, 'the target may have it');
    assert.equal(letterOf(refused)?.errorReason, 'client_error', 'a final failure stays final');
    assert.notEqual(letterOf(refused)?.possiblyDelivered, true, 'the target answered 400');
    const stopped = h.logs.find((line) => line.msg === 'engine stopped');
    assert.equal(Reflect.get(stopped?.obj ?? {}, 'dead_lettered_at_stop'), 3);
    assert.equal(Reflect.get(stopped?.obj ?? {}, 'possibly_delivered'), 1);
  });

  it('counts a cut attempt as possibly delivered when a newer state supersedes its job', async () => {
    const hang = createScriptedPublisher('hang');
    const h = anEngine({
      targets: [{ name: 'hang', publisher: hang, timeoutMs: 60_000 }],
      config: { stopFlushMs: 1_000 },
    });
    const [firing] = await submitIds(h.engine, [aRequest('hang', { n: '1' })]);
    await h.clock.settle();
    const [resolved] = await submitIds(h.engine, [aRequest('hang', { n: '1' }, 'resolved')]);
    const stop = stopping(h, 1_000);
    await h.clock.advance(5_000);
    assert.notEqual(stop.resolvedAt(), undefined);

    const firingJob = await h.engine.getJob(firing ?? '');
    assert.equal(firingJob?.state, 'superseded');
    assert.equal(firingJob?.supersededBy, resolved);
    assert.deepEqual(
      h.deadLetters.stored.map((l) => [l.jobId, l.errorReason]),
      [[resolved, 'shutdown']],
    );
    const stopped = h.logs.find((line) => line.msg === 'engine stopped');
    assert.equal(Reflect.get(stopped?.obj ?? {}, 'possibly_delivered'), 1, 'the firing was cut');
  });

  it('hands dead letters to the fallback when the sink still fails at stop', async () => {
    const h = anEngine({
      targets: [{ name: 'a', publisher: createScriptedPublisher(BAD_REQUEST) }],
      config: { stopFlushMs: 5_000 },
    });
    h.deadLetters.failing = true;
    const ids = await submitIds(
      h.engine,
      Array.from({ length: 3 }, (_, i) => aRequest('a', { n: `${i}` })),
    );
    await h.clock.advance(100);
    const t0 = h.clock.now();
    const stop = stopping(h, 1_000);
    await h.clock.advance(10_000);
    assert.ok((stop.resolvedAt() ?? Infinity) <= t0 + 1_000 + 5_000);
    assert.equal(h.deadLetters.saved.length, 3);
    assert.equal(h.deadLetters.stored.length, 0);
    for (const id of ids) assert.equal((await h.engine.getJob(id))?.state, 'dlq');
    assert.deepEqual(stopCounts(h), { dead_lettered_at_stop: 3, journaled: 3, unstored: 0 });
  });

  it('counts the letters neither the sink nor the fallback took as unstored', async () => {
    const h = anEngine({
      targets: [{ name: 'a', publisher: createScriptedPublisher(BAD_REQUEST) }],
      config: { stopFlushMs: 5_000 },
    });
    h.deadLetters.failing = true;
    h.deadLetters.fallbackFailing = true;
    await submitIds(
      h.engine,
      Array.from({ length: 3 }, (_, i) => aRequest('a', { n: `${i}` })),
    );
    await h.clock.advance(100);
    const stop = stopping(h, 1_000);
    await h.clock.advance(10_000);
    assert.notEqual(stop.resolvedAt(), undefined);
    assert.deepEqual(stopCounts(h), { dead_lettered_at_stop: 0, journaled: 0, unstored: 3 });
  });
});

/** The letter counts of the `engine stopped` log line. */
function stopCounts(h: Harness): Record<string, unknown> {
  const line = h.logs.find((l) => l.msg === 'engine stopped');
  assert.ok(line !== undefined, 'no engine stopped line');
  const field = (name: string): unknown => Reflect.get(line.obj, name);
  return {
    dead_lettered_at_stop: field('dead_lettered_at_stop'),
    journaled: field('journaled'),
    unstored: field('unstored'),
  };
}

describe('engine dead-letter writes', () => {
  it('keeps jobs failed and counted while the sink fails, then stores them once it recovers', async () => {
    const h = anEngine({
      targets: [{ name: 'a', publisher: createScriptedPublisher(BAD_REQUEST) }],
      config: { deadLetterRetry: { baseMs: 1_000, maxDelayMs: 8_000 } },
    });
    h.deadLetters.failing = true;
    const ids = await submitIds(
      h.engine,
      Array.from({ length: 4 }, (_, i) => aRequest('a', { n: `${i}` })),
    );
    await h.clock.advance(30_000);
    assert.ok(h.deadLetters.failedWrites >= 3, 'the write is retried');
    const lane = h.engine.status().lanes.medium;
    assert.equal(lane.failed, 4);
    assert.equal(lane.size, 4, 'failed jobs still count against their lane');
    for (const id of ids) assert.equal((await h.engine.getJob(id))?.state, 'failed');
    h.deadLetters.failing = false;
    await h.clock.advance(8_000);
    assert.equal(h.deadLetters.stored.length, 4);
    for (const id of ids) assert.equal((await h.engine.getJob(id))?.state, 'dlq');
    assert.equal(h.engine.status().lanes.medium.size, 0);
  });

  it('batches many final failures into few writes', async () => {
    const h = anEngine({
      targets: [{ name: 'a', publisher: createScriptedPublisher(BAD_REQUEST) }],
      config: { workers: 50, perTargetConcurrency: 50, deadLetterBatchSize: 500 },
    });
    await submitIds(
      h.engine,
      Array.from({ length: 200 }, (_, i) => aRequest('a', { n: `${i}` })),
    );
    await h.clock.advance(100);
    assert.equal(h.deadLetters.stored.length, 200);
    assert.ok(h.deadLetters.writes <= 5, `${h.deadLetters.writes} writes`);
  });
});
