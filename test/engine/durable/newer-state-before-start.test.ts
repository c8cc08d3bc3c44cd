import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Db } from '../../../src/db/db.js';
import type { Target } from '../../../src/domain/target.js';
import type { PublishingEngine } from '../../../src/engine/publishing-engine.js';
import { anAlert } from '../../support/builders.js';
import type { FakeClock } from '../../support/fake-clock.js';
import { eventually } from '../../support/eventually.js';
import type { ScriptedPublisher } from './support/engine-harness.js';
import { advanceUntil, aTarget, stateOf } from './support/engine-harness.js';
import { engineSuite } from './support/engine-suite.js';

/**
 * A job an instance claimed waits in its buffer for a worker, a slot or a rate token. A newer
 * state of its alert admitted meanwhile must supersede it, not follow it (docs/alert-state.md):
 * an SRE tester saw a durable instance send firings of alerts already resolved, 0.3–8 s after
 * the resolve was accepted, to a rate-limited target and to a slow one.
 */
let db: Db;
let clock: FakeClock;
let publisher: ScriptedPublisher;
const startEngine = engineSuite((state) => ({ db, clock, publisher } = state));

/** One token a minute: the second job claimed waits for its token a minute. */
function paced(): Target {
  return { ...aTarget('t0', publisher), rateLimit: { perSecond: 1 / 60, burst: 1 } };
}

const firing = (n: string) => ({ alert: anAlert({ n }), target: 't0' });
const resolved = (n: string) => ({
  alert: anAlert({ n }, { status: 'resolved', endsAt: '2026-11-29T10:05:00Z' }),
  target: 't0',
});

async function submitted(engine: PublishingEngine, jobs: ReturnType<typeof firing>[]) {
  const result = await engine.submit(jobs);
  assert.ok(result.ok);
  return result.jobIds;
}

function sent(): string[] {
  return publisher.deliveries.map(
    (delivery) => `${delivery.alert.labels['n'] ?? '?'} ${delivery.alert.status}`,
  );
}

test('a newer state admitted on the same instance supersedes a claimed job waiting for a worker, however short the wait', async () => {
  // One worker and one buffered job: b3 waits, claimed, while a3's attempt runs.
  const engine = await startEngine(db, clock, publisher, {
    config: { workers: 1, perTargetConcurrency: 1 },
    durable: { prefetchPerWorker: 1 },
  });
  const [first, waiting] = await submitted(engine, [firing('a3'), firing('b3')]);
  assert.ok(first !== undefined && waiting !== undefined);
  await eventually('a3 sent, b3 claimed', async () => {
    return sent().length === 1 && (await stateOf(db, waiting))?.['state'] === 'processing';
  });
  await submitted(engine, [resolved('b3')]);
  // The clock stands still: b3 waited no time at all, and the worker is free at once.
  publisher.answerAll({ ok: true });
  await eventually('the resolve sent', () => sent().length === 2);
  assert.deepEqual(sent(), ['a3 firing', 'b3 resolved']);
  assert.equal((await stateOf(db, waiting))?.['state'], 'superseded');
});

test('a newer state admitted by another instance supersedes a claimed job that waited, before it starts', async () => {
  publisher.answerAll({ ok: true });
  const engine = await startEngine(db, clock, publisher, { targets: [paced()] });
  // The other instance takes no job: its only worker is not there.
  const other = await startEngine(db, clock, publisher, {
    targets: [paced()],
    config: { workers: 0 },
    durable: { instanceId: 'other' },
  });
  const [, waiting] = await submitted(engine, [firing('a2'), firing('b2')]);
  assert.ok(waiting !== undefined);
  await eventually('the first sent, the second claimed', async () => {
    return sent().length === 1 && (await stateOf(db, waiting))?.['state'] === 'processing';
  });
  await submitted(other, [resolved('b2')]);
  await advanceUntil(clock, 5_000, 'the resolve sent', () => sent().length === 2);
  assert.deepEqual(sent(), ['a2 firing', 'b2 resolved']);
  assert.equal((await stateOf(db, waiting))?.['state'], 'superseded');
});
