import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Clock } from '../../../src/domain/clock.js';
import type { Delivery, Publisher } from '../../../src/domain/publisher.js';
import { anAlert } from '../../support/builders.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { createScriptedPublisher, OK, SERVER_ERROR } from '../../support/scripted-publisher.js';
import { newestStateOf } from '../../support/newest-state.js';
import { aRequest, anEngine, submitIds } from './engine-harness.js';

/** Answers OK after `ms` of clock time; records each delivery with its start time. */
function slowPublisher(clock: Clock, ms: number): Publisher & { log: Array<[number, Delivery]> } {
  const log: Array<[number, Delivery]> = [];
  return {
    log,
    async publish(delivery) {
      log.push([clock.now(), delivery]);
      await clock.sleep(ms);
      return OK;
    },
    close: () => Promise.resolve(),
  };
}

const named = (d: Delivery): string => d.alert.labels['n'] ?? '';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('engine scheduling', () => {
  it('gives each job a distinct random (version 4) UUID by default', async () => {
    const h = anEngine({
      targets: [{ name: 'a', publisher: createScriptedPublisher() }],
      randomIds: true,
    });
    const ids = await submitIds(
      h.engine,
      Array.from({ length: 50 }, (_, n) => aRequest('a', { n: String(n) })),
    );
    for (const id of ids) assert.match(id, V4);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(h.store.get(ids[0] ?? '')?.id, ids[0]);
  });

  it('dispatches high before medium before low, oldest first within a lane', async () => {
    const publisher = createScriptedPublisher();
    const h = anEngine({ targets: [{ name: 'a', publisher }], config: { workers: 1 } });
    const release = publisher.hold();
    await submitIds(h.engine, [aRequest('a', { n: 'busy' })]);
    await h.clock.settle();
    await submitIds(h.engine, [aRequest('a', { n: 'low1', severity: 'info' })]);
    await submitIds(h.engine, [aRequest('a', { n: 'medium1', severity: 'warning' })]);
    await submitIds(h.engine, [aRequest('a', { n: 'high1', severity: 'critical' })]);
    await submitIds(h.engine, [aRequest('a', { n: 'low2', severity: 'info' })]);
    await submitIds(h.engine, [aRequest('a', { n: 'high2', severity: 'critical' })]);
    release();
    await h.clock.advance(1_000);
    assert.deepEqual(publisher.deliveries.map(named), [
      'busy',
      'high1',
      'high2',
      'medium1',
      'low1',
      'low2',
    ]);
  });

  for (const [severity, lane, maxWaitMs] of [
    ['warning', 'medium', 10_000],
    ['info', 'low', 60_000],
  ] as const) {
    it(`serves a ${lane} job within max_wait.${lane} plus one attempt under a saturating flood of high jobs`, async () => {
      const clock = createFakeClock();
      const attemptMs = 100;
      const publisher = slowPublisher(clock, attemptMs);
      const h = anEngine({
        clock,
        targets: [{ name: 'a', publisher }],
        config: { workers: 2, perTargetShare: 1 },
      });
      const t0 = clock.now();
      let n = 0;
      const flood = async (): Promise<void> => {
        // 5 high jobs per 100 ms against a capacity of 2 per 100 ms: the high lane never empties.
        const requests = Array.from({ length: 5 }, () =>
          aRequest('a', { n: `high${(n += 1)}`, severity: 'critical' }),
        );
        await h.engine.submit(requests);
      };
      await flood();
      await submitIds(h.engine, [aRequest('a', { n: 'aged', severity })]);
      for (let t = 0; t < maxWaitMs + 2_000; t += attemptMs) {
        await flood();
        await clock.advance(attemptMs);
      }
      const served = publisher.log.find(([, d]) => named(d) === 'aged');
      assert.ok(served, `the ${lane} job was served`);
      const waitedMs = served[0] - t0;
      assert.ok(waitedMs >= maxWaitMs, `not before its max wait (${waitedMs} ms)`);
      assert.ok(
        waitedMs <= maxWaitMs + attemptMs,
        `within max wait + one attempt (${waitedMs} ms)`,
      );
      const highAfter = publisher.log.filter(([at, d]) => at > served[0] && named(d) !== 'aged');
      assert.ok(highAfter.length > 0, 'high jobs kept flowing after it');
      assert.ok(h.engine.status().lanes.high.queued > 0, 'the flood saturated the high lane');
    });
  }

  it('sends a critical alert next behind a backlog of aged warnings, not after all of them', async () => {
    const clock = createFakeClock();
    const attemptMs = 100;
    const publisher = slowPublisher(clock, attemptMs);
    const h = anEngine({
      clock,
      targets: [{ name: 'a', publisher }],
      config: { workers: 2, perTargetShare: 1 },
    });
    const warnings = Array.from({ length: 400 }, (_, k) =>
      aRequest('a', { n: `warning${k}`, severity: 'warning' }),
    );
    await h.engine.submit(warnings);
    await clock.advance(12_000); // 240 sent; every warning left is past max_wait.medium (10 s)
    const before = publisher.log.length;
    await submitIds(h.engine, [aRequest('a', { n: 'critical', severity: 'critical' })]);
    await clock.advance(1_000);
    const started = publisher.log.slice(before).map(([, d]) => named(d));
    // Aged and high picks alternate: the critical alert starts next.
    assert.equal(started[0], 'critical', `started next: ${started.slice(0, 4).join(', ')}`);
    assert.ok(
      started.filter((n) => n.startsWith('warning')).length > 10,
      'the aged warnings kept going',
    );
  });

  it('keeps a healthy target flowing while a dead target hangs until its timeout', async () => {
    const dead = createScriptedPublisher('hang');
    const healthy = createScriptedPublisher(OK);
    const h = anEngine({
      targets: [
        { name: 'dead', publisher: dead, timeoutMs: 10_000 },
        { name: 'healthy', publisher: healthy },
      ],
      config: { workers: 10 },
    });
    const deadIds = await submitIds(
      h.engine,
      Array.from({ length: 20 }, (_, i) => aRequest('dead', { n: `d${i}`, severity: 'critical' })),
    );
    const healthyIds = await submitIds(
      h.engine,
      Array.from({ length: 20 }, (_, i) => aRequest('healthy', { n: `h${i}`, severity: 'info' })),
    );
    await h.clock.settle();
    assert.equal(dead.inFlight, 4, 'per-target concurrency caps the dead target at 4 attempts');
    for (const id of healthyIds) assert.equal((await h.engine.getJob(id))?.state, 'succeeded');
    assert.equal((await h.engine.getJob(deadIds[19] ?? ''))?.state, 'queued');
  });

  it('delivers one job per (target, fingerprint) at a time: a resolve waits for its firing in flight', async () => {
    const publisher = createScriptedPublisher(OK);
    const release = publisher.hold();
    const h = anEngine({ targets: [{ name: 'a', publisher }] });
    await submitIds(h.engine, [aRequest('a', { n: 'x' }, 'firing')]);
    await h.clock.settle();
    await submitIds(h.engine, [aRequest('a', { n: 'x' }, 'resolved')]);
    await submitIds(h.engine, [aRequest('a', { n: 'other' })]);
    await h.clock.settle();
    assert.deepEqual(
      publisher.deliveries.map((d) => `${named(d)}:${d.alert.status}`),
      ['x:firing', 'other:firing'],
      'the resolve waits while its firing is in flight; other alerts do not',
    );
    release();
    await h.clock.advance(1_000);
    assert.deepEqual(
      publisher.deliveries.map((d) => `${named(d)}:${d.alert.status}`),
      ['x:firing', 'other:firing', 'x:resolved'],
    );
  });

  it('supersedes a firing waiting for its retry when its resolve arrives: the target gets the resolve only', async () => {
    const publisher = createScriptedPublisher(OK);
    publisher.script(SERVER_ERROR);
    const h = anEngine({ targets: [{ name: 'a', publisher }] });
    const [firing] = await submitIds(h.engine, [aRequest('a', { n: 'x' }, 'firing')]);
    await h.clock.settle();
    const [resolved] = await submitIds(h.engine, [aRequest('a', { n: 'x' }, 'resolved')]);
    await h.clock.advance(10_000);
    assert.deepEqual(
      publisher.deliveries.map((d) => `${named(d)}:${d.alert.status}`),
      ['x:firing', 'x:resolved'],
    );
    const old = await h.engine.getJob(firing ?? '');
    assert.equal(old?.state, 'superseded');
    assert.equal(old?.supersededBy, resolved);
    assert.equal(h.engine.stats().superseded, 1);
    assert.match(
      await h.registry.metrics(),
      /jobs_finished_total\{target="a",state="superseded"\} 1/,
    );
  });

  it("dead-letters a failing target's jobs beyond its lane share as overflow and admits the others", async () => {
    const dead = createScriptedPublisher(SERVER_ERROR);
    const healthy = createScriptedPublisher(OK);
    const h = anEngine({
      targets: [
        { name: 'dead', publisher: dead, retry: { maxRetries: 0 } },
        { name: 'healthy', publisher: healthy },
      ],
      config: {
        capacity: { high: 10, medium: 10, low: 10 },
        perTargetShare: 0.5,
        breaker: { failureThreshold: 1, successThreshold: 1, openTimeoutMs: 60_000 },
      },
    });
    await submitIds(h.engine, [aRequest('dead', { n: 'first', severity: 'critical' })]);
    await h.clock.advance(100);
    assert.equal(h.engine.breakerState('dead'), 'open');
    const writesBefore = h.deadLetters.writes;
    const result = await h.engine.submit([
      ...Array.from({ length: 8 }, (_, i) =>
        aRequest('dead', { n: `d${i}`, severity: 'critical' }),
      ),
      aRequest('healthy', { n: 'h1', severity: 'critical' }),
      aRequest('healthy', { n: 'h2', severity: 'critical' }),
    ]);
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.jobIds.length, 10);
    await h.clock.advance(100);
    const overflow = h.deadLetters.stored.filter((l) => l.errorReason === 'overflow');
    // A share of 5: the first job, which failed with its target, waits for it and holds one.
    assert.equal(overflow.length, 4);
    assert.ok(overflow.every((l) => l.targetName === 'dead' && l.retryCount === 0));
    assert.deepEqual(healthy.deliveries.map(named), ['h1', 'h2']);
    assert.equal(h.deadLetters.writes - writesBefore, 1, 'the four letters went in one write');
  });

  describe('an overflowed job leaves the alert state alone (docs/alert-state.md, "Overflowed jobs")', () => {
    /** Targets c (answers 503 once, then OK) and b, a lane of 4: c's share is 2 jobs. */
    function downTarget(): {
      h: ReturnType<typeof anEngine>;
      c: ReturnType<typeof createScriptedPublisher>;
    } {
      const c = createScriptedPublisher(OK);
      c.script(SERVER_ERROR);
      const h = anEngine({
        targets: [
          { name: 'c', publisher: c },
          { name: 'b', publisher: createScriptedPublisher(OK) },
        ],
        config: {
          capacity: { high: 4, medium: 4, low: 4 },
          perTargetShare: 0.5,
          breaker: { failureThreshold: 1, successThreshold: 1, openTimeoutMs: 60_000 },
        },
      });
      return { h, c };
    }

    it('a re-send that overflows supersedes nothing: the queued job stays, and is delivered on recovery', async () => {
      const { h, c } = downTarget();
      const [x] = await submitIds(h.engine, [aRequest('c', { n: 'x' })]);
      await h.clock.settle();
      assert.equal(h.engine.breakerState('c'), 'open');
      const [y] = await submitIds(h.engine, [aRequest('c', { n: 'y' })]);
      // Alertmanager re-sends the group: x unchanged (same startsAt), beyond c's share.
      const [again] = await submitIds(h.engine, [aRequest('c', { n: 'x' })]);
      await h.clock.advance(100);

      assert.equal((await h.engine.getJob(x ?? ''))?.state, 'retrying', 'not superseded');
      assert.equal((await h.engine.getJob(x ?? ''))?.supersededBy, undefined);
      assert.equal((await h.engine.getJob(y ?? ''))?.state, 'queued');
      assert.equal((await h.engine.getJob(again ?? ''))?.state, 'dlq');
      assert.deepEqual(
        h.deadLetters.stored.map((l) => [l.jobId, l.errorReason]),
        [[again, 'overflow']],
      );
      const fingerprint = aRequest('c', { n: 'x' }).alert.fingerprint;
      assert.equal((await newestStateOf(h.engine, 'c', fingerprint))?.jobId, x);
      assert.equal(h.engine.stats().superseded, 0);

      await h.clock.advance(60_000);
      await h.clock.settle();
      assert.equal(h.engine.breakerState('c'), 'closed');
      assert.equal((await h.engine.getJob(x ?? ''))?.state, 'succeeded');
      assert.equal((await h.engine.getJob(y ?? ''))?.state, 'succeeded');
      assert.deepEqual(
        c.deliveries.map((d) => `${named(d)}:${d.jobId}`).sort(),
        [`x:${x}`, `x:${x}`, `y:${y}`].sort(),
        'x: its failed attempt and its delivery on recovery; y once',
      );
    });

    it('a newer state that overflows is a letter that supersedes the older waiting state', async () => {
      const { h } = downTarget();
      // Low lane: a resolve is low whatever its severity (src/domain/priority.ts).
      const x = { n: 'x', severity: 'info' };
      const [firing] = await submitIds(h.engine, [aRequest('c', x)]);
      await h.clock.settle();
      await submitIds(h.engine, [aRequest('c', { n: 'y', severity: 'info' })]);
      const [resolve] = await submitIds(h.engine, [aRequest('c', x, 'resolved')]);
      await h.clock.advance(100);
      // The firing must not reach the target on recovery: its alert has resolved since.
      const older = await h.engine.getJob(firing ?? '');
      assert.equal(older?.state, 'superseded');
      assert.equal(older?.supersededBy, resolve);
      assert.equal((await h.engine.getJob(resolve ?? ''))?.state, 'dlq');
      assert.deepEqual(
        h.deadLetters.stored.map((l) => [l.jobId, l.errorReason]),
        [[resolve, 'overflow']],
      );
      const fingerprint = aRequest('c', x).alert.fingerprint;
      assert.equal((await newestStateOf(h.engine, 'c', fingerprint))?.jobId, resolve);
    });

    it('an older state that overflows still ends superseded by the newer one, not as a letter', async () => {
      const { h } = downTarget();
      const refired = {
        target: 'c',
        alert: anAlert({ n: 'x' }, { startsAt: '2026-11-29T11:00:00Z' }),
      };
      const [x] = await submitIds(h.engine, [refired]);
      await h.clock.settle();
      await submitIds(h.engine, [aRequest('c', { n: 'y' })]);
      const [old] = await submitIds(h.engine, [aRequest('c', { n: 'x' })]);
      await h.clock.advance(100);
      const stale = await h.engine.getJob(old ?? '');
      assert.equal(stale?.state, 'superseded');
      assert.equal(stale?.supersededBy, x);
      assert.equal((await h.engine.getJob(x ?? ''))?.state, 'retrying');
      assert.deepEqual(h.deadLetters.stored, []);
      assert.equal((await newestStateOf(h.engine, 'c', refired.alert.fingerprint))?.jobId, x);
    });
  });
});

describe('engine admission', () => {
  it('refuses a batch larger than a lane with batch_too_large and queues nothing', async () => {
    const h = anEngine({
      targets: [{ name: 'a', publisher: createScriptedPublisher() }],
      config: { capacity: { high: 3, medium: 3, low: 3 } },
    });
    const result = await h.engine.submit(
      Array.from({ length: 4 }, (_, i) => aRequest('a', { n: `${i}`, severity: 'critical' })),
    );
    assert.deepEqual(result, {
      ok: false,
      code: 'batch_too_large',
      priority: 'high',
      capacity: 3,
      size: 4,
    });
    assert.equal(h.engine.status().lanes.high.size, 0);
  });

  it('refuses the whole batch with queue_full when one lane cannot take its part', async () => {
    const publisher = createScriptedPublisher();
    const h = anEngine({
      targets: [{ name: 'a', publisher }],
      config: { capacity: { high: 3, medium: 3, low: 3 }, perTargetShare: 1 },
    });
    publisher.hold();
    await submitIds(h.engine, [
      aRequest('a', { n: '1', severity: 'critical' }),
      aRequest('a', { n: '2', severity: 'critical' }),
    ]);
    await h.clock.settle();
    const result = await h.engine.submit([
      aRequest('a', { n: '3', severity: 'info' }),
      aRequest('a', { n: '4', severity: 'critical' }),
      aRequest('a', { n: '5', severity: 'critical' }),
    ]);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, 'queue_full');
    assert.ok(!result.ok && result.code === 'queue_full' && result.retryAfterMs > 0);
    const status = h.engine.status();
    assert.equal(status.lanes.high.size, 2, 'in-flight jobs keep their slot');
    assert.equal(status.lanes.low.size, 0, 'nothing of the refused batch was queued');
  });

  it('refuses an unknown target and queues nothing', async () => {
    const h = anEngine({ targets: [{ name: 'a', publisher: createScriptedPublisher() }] });
    const result = await h.engine.submit([aRequest('a'), aRequest('nope')]);
    assert.deepEqual(result, { ok: false, code: 'unknown_target', target: 'nope' });
    assert.equal(h.engine.status().lanes.medium.size, 0);
  });

  it('finds an active job even after the status store evicted it', async () => {
    const publisher = createScriptedPublisher();
    const h = anEngine({ targets: [{ name: 'a', publisher }], trackingCapacity: 2 });
    publisher.hold();
    const [first] = await submitIds(h.engine, [aRequest('a', { n: '0' })]);
    await submitIds(
      h.engine,
      Array.from({ length: 5 }, (_, i) => aRequest('a', { n: `${i + 1}` })),
    );
    await h.clock.settle();
    assert.equal(h.store.get(first ?? ''), undefined);
    assert.equal((await h.engine.getJob(first ?? ''))?.state, 'processing');
  });
});
