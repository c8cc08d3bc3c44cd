import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Db } from '../../../src/db/db.js';
import type { PublishingEngine } from '../../../src/engine/publishing-engine.js';
import type { FakeClock } from '../../support/fake-clock.js';
import { eventually } from '../../support/eventually.js';
import {
  advanceUntil,
  scriptedPublisher,
  SERVER_ERROR_503,
  stateOf,
  submitOne,
} from './support/engine-harness.js';
import type { ScriptedPublisher } from './support/engine-harness.js';
import { engineSuite } from './support/engine-suite.js';

/*
 * A stop while another instance is live and not stopping (docs/how-it-works.md "Stopping"): the
 * stopping instance finishes its attempts and claims nothing more; the live one delivers the rest.
 */

let db: Db;
let clock: FakeClock;
let publisher: ScriptedPublisher;

const startEngine = engineSuite((state) => ({ db, clock, publisher } = state));

/** One worker and no prefetch: an instance with an attempt in flight claims nothing. */
const oneAtATime = (instanceId: string) =>
  ({ config: { workers: 1 }, durable: { instanceId, prefetchPerWorker: 0 } }) as const;

test('a stop while another instance keeps admitting ends with its own attempt, long before the deadline, and the other delivers every job', async () => {
  const stopping = await startEngine(db, clock, publisher, oneAtATime('a'));
  const own = await submitOne(stopping, { n: 'own' });
  await eventually('a attempts its job', () => publisher.deliveries.length === 1);
  const other = scriptedPublisher();
  try {
    const live = await startEngine(db, clock, other, oneAtATime('b'));
    const admitted = [await submitOne(live, { n: 'b0' })];
    await eventually('b attempts its job', () => other.deliveries.length === 1);
    // Both workers busy: these wait, due now, for whichever instance claims first.
    admitted.push(await submitOne(live, { n: 'b1' }), await submitOne(live, { n: 'b2' }));

    const stoppedAt = clock.now();
    let returned = false;
    const stopped = stopping.stop(30_000).then(() => (returned = true));
    publisher.answer(own, { ok: true });
    // The live instance goes on admitting while the other stops.
    let n = 3;
    await advanceUntil(clock, 500, 'a stopped', async () => {
      if (!returned) admitted.push(await submitOne(live, { n: `b${n++}` }));
      return returned;
    });
    await stopped;
    assert.ok(clock.now() - stoppedAt < 5_000, `stopped after ${clock.now() - stoppedAt} ms`);
    assert.deepEqual(
      publisher.deliveries.map((d) => d.jobId),
      [own],
      'the stopping instance attempted nothing after its own job',
    );
    assert.equal((await stateOf(db, own))?.['state'], 'succeeded');

    other.answerAll({ ok: true });
    await advanceUntil(clock, 500, 'every admitted job succeeded', async () => {
      const states = await Promise.all(admitted.map((id) => stateOf(db, id)));
      return states.every((s) => s?.['state'] === 'succeeded');
    });
    assert.deepEqual(
      new Set(other.deliveries.map((d) => d.jobId)),
      new Set(admitted),
      'the live instance delivered each of them',
    );
    await live.stop(1_000);
  } finally {
    // Should an assertion fail, the suite can still stop the live engine.
    other.answerAll({ ok: true });
  }
});

test('an instance whose lease lapsed is not live: a stop still delivers a retry falling due in its window', async () => {
  const engine: PublishingEngine = await startEngine(db, clock, publisher);
  const id = await submitOne(engine);
  await eventually('first attempt', () => publisher.deliveries.length === 1);
  publisher.answer(id, SERVER_ERROR_503);
  await eventually('retrying', async () => (await stateOf(db, id))?.['state'] === 'retrying');
  await db.query(
    `INSERT INTO publishing_instances (id, lease_expires_at, started_at) VALUES ('crashed', $1, $1)`,
    [new Date(clock.now() - 1).toISOString()],
  );
  const stopped = engine.stop(10_000);
  await advanceUntil(clock, 500, 'the retry attempted', () => publisher.deliveries.length === 2);
  publisher.answer(id, { ok: true });
  await stopped;
  assert.equal((await stateOf(db, id))?.['state'], 'succeeded');
});

test('instances stopping together each deliver what falls due in the window, as a lone one does', async () => {
  const a = await startEngine(db, clock, publisher, { durable: { instanceId: 'a' } });
  const b = await startEngine(db, clock, publisher, { durable: { instanceId: 'b' } });
  const id = await submitOne(a);
  await eventually('first attempt', () => publisher.deliveries.length === 1);
  publisher.answer(id, SERVER_ERROR_503);
  await eventually('retrying', async () => (await stateOf(db, id))?.['state'] === 'retrying');
  const stopped = Promise.all([a.stop(10_000), b.stop(10_000)]);
  await advanceUntil(clock, 500, 'the retry attempted', () => publisher.deliveries.length === 2);
  publisher.answer(id, { ok: true });
  await stopped;
  assert.equal((await stateOf(db, id))?.['state'], 'succeeded');
});
