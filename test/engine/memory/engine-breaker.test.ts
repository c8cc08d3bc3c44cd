import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  BAD_REQUEST,
  createScriptedPublisher,
  OK,
  RATE_LIMITED,
  SERVER_ERROR,
} from '../../support/scripted-publisher.js';
import { aRequest, anEngine, submitIds } from './engine-harness.js';

const jobs = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => aRequest('a', { n: `${prefix}${i}` }));

describe('engine circuit breaker', () => {
  it('opens after 5 consecutive failed attempts, not after 4', async () => {
    const publisher = createScriptedPublisher(SERVER_ERROR);
    const h = anEngine({ targets: [{ name: 'a', publisher, retry: { maxRetries: 0 } }] });
    await submitIds(h.engine, jobs('x', 4));
    await h.clock.settle();
    assert.equal(h.engine.breakerState('a'), 'closed');
    await submitIds(h.engine, jobs('y', 1));
    await h.clock.settle();
    assert.equal(h.engine.breakerState('a'), 'open');
    assert.match(
      await h.registry.metrics(),
      /alert_publisher_circuit_breaker_state\{target="a"\} 2/,
    );
  });

  it('does not open on 4xx or 429 answers', async () => {
    const publisher = createScriptedPublisher(BAD_REQUEST);
    publisher.script(...Array.from({ length: 6 }, () => RATE_LIMITED));
    const h = anEngine({ targets: [{ name: 'a', publisher }] });
    await submitIds(h.engine, jobs('x', 12));
    await h.clock.advance(60_000);
    assert.ok(publisher.deliveries.length >= 12);
    assert.equal(h.engine.breakerState('a'), 'closed');
  });

  it('holds jobs while open without spending attempts, probes one at a time, closes after 2 successes, drops none', async () => {
    const publisher = createScriptedPublisher(OK);
    publisher.script(...Array.from({ length: 5 }, () => SERVER_ERROR));
    const h = anEngine({ targets: [{ name: 'a', publisher, retry: { maxRetries: 0 } }] });
    await submitIds(h.engine, jobs('fail', 5));
    await h.clock.settle();
    assert.equal(h.engine.breakerState('a'), 'open');
    const waiting = await submitIds(h.engine, jobs('wait', 6));
    await h.clock.advance(29_999);
    assert.equal(publisher.deliveries.length, 5, 'no attempt while open');
    for (const id of waiting) assert.equal((await h.engine.getJob(id))?.attempts, 0);
    const release = publisher.hold();
    await h.clock.advance(1);
    assert.equal(h.engine.breakerState('a'), 'half_open');
    assert.equal(publisher.inFlight, 1, 'a single probe');
    release();
    await h.clock.settle();
    assert.equal(h.engine.breakerState('a'), 'closed');
    for (const id of waiting) {
      assert.equal((await h.engine.getJob(id))?.state, 'succeeded');
      assert.equal((await h.engine.getJob(id))?.attempts, 1);
    }
    assert.equal(h.finished.length, 11, 'every job finished');
  });

  it('reopens when the probe fails', async () => {
    const publisher = createScriptedPublisher(SERVER_ERROR);
    const h = anEngine({ targets: [{ name: 'a', publisher }] });
    await submitIds(h.engine, jobs('fail', 5));
    await h.clock.settle();
    const before = publisher.deliveries.length;
    await h.clock.advance(30_000);
    assert.equal(publisher.deliveries.length, before + 1);
    assert.equal(h.engine.breakerState('a'), 'open');
  });

  it('dead-letters jobs waiting behind an open breaker once older than max_job_age, as circuit_open', async () => {
    const publisher = createScriptedPublisher(SERVER_ERROR);
    const h = anEngine({
      targets: [{ name: 'a', publisher, retry: { maxRetries: 0, maxJobAgeMs: 60_000 } }],
    });
    const failed = await submitIds(h.engine, jobs('fail', 5));
    await h.clock.settle();
    const waiting = await submitIds(h.engine, jobs('wait', 3));
    await h.clock.advance(59_000);
    // The target failed throughout: the five that opened the breaker, and the probe at 30 s,
    // wait with the others instead of spending retries they do not have.
    assert.equal(publisher.deliveries.length, 6, 'five attempts and one probe');
    assert.equal(h.deadLetters.stored.length, 0);
    await h.clock.advance(1_000);
    const expired = h.deadLetters.stored.filter((l) => l.errorReason === 'circuit_open');
    assert.equal(expired.length, 8);
    assert.deepEqual(new Set(expired.map((l) => l.jobId)), new Set([...failed, ...waiting]));
    assert.ok(expired.every((l) => l.retryCount === 0));
    assert.equal(h.finished.length, 8, 'no job dropped');
  });

  it("dead-letters a job waiting behind an open breaker when it reaches max_job_age, not at the breaker's next step", async () => {
    const publisher = createScriptedPublisher(SERVER_ERROR);
    const h = anEngine({
      targets: [{ name: 'a', publisher, retry: { maxRetries: 0, maxJobAgeMs: 45_000 } }],
    });
    const start = h.clock.now();
    await submitIds(h.engine, jobs('fail', 5));
    await h.clock.settle();
    assert.equal(h.engine.breakerState('a'), 'open');
    await submitIds(h.engine, jobs('wait', 3));
    await h.clock.advance(10_000);
    const [late] = await submitIds(h.engine, jobs('late', 1));
    // The breaker steps at 30 s (its probe fails: open again) and at 60 s, never at 45 s or 55 s.
    await h.clock.advance(34_999);
    assert.equal(h.deadLetters.stored.length, 0);
    await h.clock.advance(1);
    assert.equal(h.engine.breakerState('a'), 'open');
    const atAge = h.deadLetters.stored.filter((l) => l.errorReason === 'circuit_open');
    assert.equal(atAge.length, 8, 'the jobs submitted at 0 s, at 45 s');
    assert.ok(!atAge.some((l) => l.jobId === late));
    await h.clock.advance(9_999);
    assert.equal(h.deadLetters.stored.length, 8);
    await h.clock.advance(1);
    assert.deepEqual(
      h.deadLetters.stored.slice(8).map((l) => [l.jobId, l.errorReason, l.failedAt]),
      [[late, 'circuit_open', start + 55_000]],
    );
    assert.equal(h.finished.length, 9, 'no job dropped');
  });

  it('dead-letters a job behind an open breaker at its max_job_age while every worker is busy', async () => {
    const failing = createScriptedPublisher(SERVER_ERROR);
    const busy = createScriptedPublisher(OK);
    const h = anEngine({
      config: { workers: 1 },
      targets: [
        { name: 'a', publisher: failing, retry: { maxRetries: 0, maxJobAgeMs: 45_000 } },
        { name: 'b', publisher: busy, timeoutMs: 120_000 },
      ],
    });
    await submitIds(h.engine, jobs('fail', 5));
    await h.clock.settle();
    assert.equal(h.engine.breakerState('a'), 'open');
    const [waiting] = await submitIds(h.engine, jobs('wait', 1));
    busy.hold();
    await submitIds(h.engine, [aRequest('b', { n: 'slow' })]);
    await h.clock.advance(45_000);
    assert.equal(busy.inFlight, 1, 'the only worker is still busy');
    assert.deepEqual(
      h.deadLetters.stored.filter((l) => l.jobId === waiting).map((l) => l.errorReason),
      ['circuit_open'],
    );
  });

  it('quotes in a circuit_open letter the last failure its breaker counted, its reason still circuit_open', async () => {
    const publisher = createScriptedPublisher(SERVER_ERROR);
    const h = anEngine({
      targets: [{ name: 'a', publisher, retry: { maxRetries: 0, maxJobAgeMs: 60_000 } }],
    });
    await submitIds(h.engine, jobs('fail', 5));
    await h.clock.settle();
    const [waiting] = await submitIds(h.engine, jobs('wait', 1));
    await h.clock.advance(60_000);
    const letter = h.deadLetters.stored.find((l) => l.jobId === waiting);
    assert.equal(letter?.errorReason, 'circuit_open');
    assert.equal(
      letter.errorMessage,
      'circuit breaker of a not closed; job older than max_job_age; ' +
        'last failure: HTTP 503 server_error: scripted server_error',
    );
    assert.equal(letter.httpStatus, undefined, 'the job itself got no answer');
  });
});
