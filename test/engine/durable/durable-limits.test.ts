import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Db } from '../../../src/db/db.js';
import type { PublishingEngine } from '../../../src/engine/publishing-engine.js';
import { anAlert } from '../../support/builders.js';
import type { FakeClock } from '../../support/fake-clock.js';
import {
  advanceUntil,
  aTarget,
  scriptedPublisher,
  stateOf,
  submitOne,
  SERVER_ERROR_503,
} from './support/engine-harness.js';
import type { ScriptedPublisher } from './support/engine-harness.js';
import { silentLogger } from '../../support/databases.js';
import { eventually } from '../../support/eventually.js';
import { engineSuite } from './support/engine-suite.js';

let db: Db;
let clock: FakeClock;
let publisher: ScriptedPublisher;
let engine: PublishingEngine | undefined;

const startEngine = engineSuite((state) => ({ db, clock, publisher } = state));

async function overflowCount(): Promise<number> {
  const result = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM publishing_dlq WHERE error_reason = 'overflow'`,
  );
  return result.rows[0]?.n ?? 0;
}

test('a healthy but busy target is refused with queue_full, never dead-lettered as overflow', async () => {
  engine = await startEngine(db, clock, publisher, {
    config: { workers: 0, capacity: { high: 4, medium: 4, low: 4 }, perTargetShare: 0.5 },
  });
  const medium = (n: number) => ({ alert: anAlert({ n: String(n) }), target: 't0' });
  const first = await engine.submit([medium(1), medium(2), medium(3)]);
  assert.ok(first.ok, 'the only target may fill the whole lane');
  const refused = await engine.submit([medium(4), medium(5)]);
  assert.equal(refused.ok ? 'ok' : refused.code, 'queue_full');
  assert.equal(await overflowCount(), 0);
  const tooBig = await engine.submit([1, 2, 3, 4, 5].map(medium));
  assert.equal(tooBig.ok ? 'ok' : tooBig.code, 'batch_too_large');
});

test("a failing target's jobs beyond its share are dead-lettered as overflow, the rest admitted", async () => {
  engine = await startEngine(db, clock, publisher, {
    config: {
      capacity: { high: 4, medium: 4, low: 4 },
      perTargetShare: 0.5,
      breaker: { failureThreshold: 1, successThreshold: 1, openTimeoutMs: 600_000 },
    },
  });
  publisher.answerAll({ ok: false, type: 'transient', reason: 'server_error', message: 'down' });
  await submitOne(engine, { n: '0' });
  await eventually('the breaker opened', () => engine?.breakerState('t0') === 'open');
  const medium = (n: number) => ({ alert: anAlert({ n: String(n) }), target: 't0' });
  const batch = await engine.submit([1, 2, 3, 4].map(medium));
  assert.ok(batch.ok, 'nothing refused for a failing target');
  assert.equal(await overflowCount(), 1, 'the retrying job and three new ones fill the lane');
});

test("a throttled target's jobs beyond its share are dead-lettered as overflow when the other target's fit", async () => {
  const pager = scriptedPublisher();
  publisher.answerAll({ ok: true });
  pager.answerAll({ ok: true });
  engine = await startEngine(db, clock, publisher, {
    config: { capacity: { high: 8, medium: 8, low: 8 }, perTargetShare: 0.5 },
    targets: [
      { ...aTarget('chat', publisher), rateLimit: { perSecond: 1, burst: 1 } },
      aTarget('pager', pager),
    ],
  });
  const critical = (target: string, n: number) => ({
    alert: anAlert({ n: String(n), severity: 'critical' }),
    target,
  });
  for (let n = 1; n <= 7; n += 1) {
    const result = await engine.submit([critical('chat', n), critical('pager', n)]);
    assert.equal(result.ok ? 'ok' : result.code, 'ok', `request ${n} admitted`);
    await eventually(`page ${n} delivered`, () => pager.deliveries.length === n);
  }
  const letters = await db.query<{ target_name: string; error_message: string }>(
    `SELECT target_name, error_message FROM publishing_dlq WHERE error_reason = 'overflow'`,
  );
  assert.deepEqual(
    letters.rows,
    [1, 2].map(() => ({
      target_name: 'chat',
      error_message:
        'target chat is throttled (rate limit or 429s) and holds its share of the high lane',
    })),
  );
  const alone = await engine.submit([critical('chat', 8)]);
  assert.deepEqual(alone.ok ? 'ok' : alone, {
    ok: false,
    code: 'queue_full',
    priority: 'high',
    share: { target: 'chat', held: 4, limit: 4 },
    retryAfterMs: 5_000,
  });
  await advanceUntil(
    clock,
    1_000,
    'chat delivered its share, paced',
    () => publisher.deliveries.length === 5,
  );
});

test('a 5xx retry due after max_job_age is still made; the wait for the target after the retries is bounded by it', async () => {
  engine = await startEngine(db, clock, publisher, { retry: { maxJobAgeMs: 3_000 } });
  publisher.answerAll(SERVER_ERROR_503);
  const id = await submitOne(engine);
  await advanceUntil(clock, 1_000, 'dead-lettered', async () => {
    return (await stateOf(db, id))?.['state'] === 'dlq';
  });
  assert.equal(publisher.deliveries.length, 4);
  assert.deepEqual(await stateOf(db, id), {
    state: 'dlq',
    lease_owner: null,
    attempts: 4,
    retries: 3,
  });
  const letter = await db.query(
    'SELECT error_reason, retry_count FROM publishing_dlq WHERE job_id = $1',
    [id],
  );
  assert.deepEqual(letter.rows, [{ error_reason: 'server_error', retry_count: 3 }]);
});

test('a job whose target fails throughout waits past its retries and is delivered on recovery', async () => {
  engine = await startEngine(db, clock, publisher, {});
  publisher.answerAll(SERVER_ERROR_503);
  const id = await submitOne(engine);
  // Before, its fourth failure made it a server_error dead letter (the test above).
  await advanceUntil(clock, 1_000, 'a sixth attempt', () => publisher.deliveries.length === 6);
  // Its waits say nothing more about the target: alone, it does not open the breaker.
  assert.equal(engine.breakerState('t0'), 'closed');
  assert.notEqual((await stateOf(db, id))?.['state'], 'dlq');
  publisher.answerAll({ ok: true, status: 200 });
  await advanceUntil(clock, 1_000, 'delivered on recovery', async () => {
    return (await stateOf(db, id))?.['state'] === 'succeeded';
  });
  assert.equal((await stateOf(db, id))?.['retries'], 3, 'the waits spend no retry');
  const letters = await db.query('SELECT 1 FROM publishing_dlq');
  assert.equal(letters.rows.length, 0);
});

test('a job waiting for its down target keeps waiting after its instance restarts', async () => {
  engine = await startEngine(db, clock, publisher, {});
  publisher.answerAll(SERVER_ERROR_503);
  const id = await submitOne(engine);
  await advanceUntil(clock, 1_000, 'a wait past its retries', () => {
    return publisher.deliveries.length === 5;
  });
  await engine.stop(0);
  // A fresh breaker has seen no success: the target is down for it too. Before, it dead-letters
  // the job at its first failure there (its count of failures in a row started at 0).
  engine = await startEngine(db, clock, publisher, {});
  await advanceUntil(clock, 1_000, 'a failure after the restart', () => {
    return publisher.deliveries.length === 7;
  });
  assert.notEqual((await stateOf(db, id))?.['state'], 'dlq');
  publisher.answerAll({ ok: true, status: 200 });
  await advanceUntil(clock, 1_000, 'delivered on recovery', async () => {
    return (await stateOf(db, id))?.['state'] === 'succeeded';
  });
  assert.equal((await db.query('SELECT 1 FROM publishing_dlq')).rows.length, 0);
});

test('jobs of a target whose breaker stays open become circuit_open dead letters after max_job_age, unclaimed', async () => {
  engine = await startEngine(db, clock, publisher, {
    config: { breaker: { failureThreshold: 5, successThreshold: 2, openTimeoutMs: 600_000 } },
    retry: { maxRetries: 0, maxJobAgeMs: 60_000 },
  });
  publisher.answerAll({ ok: false, type: 'transient', reason: 'server_error', message: 'down' });
  for (let n = 0; n < 5; n += 1) await submitOne(engine, { n: String(n) });
  await eventually('the breaker opened', () => engine?.breakerState('t0') === 'open');
  const waiting = await submitOne(engine, { n: 'late' });
  const submittedAt = clock.now();
  await clock.advance(50_000);
  assert.equal((await stateOf(db, waiting))?.['state'], 'queued', 'waits while young');
  await advanceUntil(clock, 2_000, 'dead-lettered', async () => {
    return (await stateOf(db, waiting))?.['state'] === 'dlq';
  });
  assert.ok(clock.now() - submittedAt >= 60_000, 'not before max_job_age');
  assert.equal(publisher.deliveries.length, 5, 'the late job was never attempted');
  assert.deepEqual(await stateOf(db, waiting), {
    state: 'dlq',
    lease_owner: null,
    attempts: 0,
    retries: 0,
  });
  const letter = await db.query(
    'SELECT error_type, error_reason FROM publishing_dlq WHERE job_id = $1',
    [waiting],
  );
  assert.deepEqual(letter.rows, [{ error_type: 'transient', error_reason: 'circuit_open' }]);
  // The five that failed with the target waited for it too, instead of spending retries.
  assert.equal(engine.stats().deadLetteredByReason.circuit_open, 6);
  assert.equal(engine.stats().deadLetteredByReason.server_error ?? 0, 0);
});

test('a claimed job counts against its lane until it finishes, then frees the room', async () => {
  engine = await startEngine(db, clock, publisher, {
    config: { workers: 1, capacity: { high: 2, medium: 2, low: 2 }, perTargetShare: 1 },
    durable: { prefetchPerWorker: 0 },
  });
  const first = await submitOne(engine, { n: '1' });
  await submitOne(engine, { n: '2' });
  await eventually('one attempt running', () => publisher.deliveries.length === 1);
  const third = await engine.submit([{ alert: anAlert({ n: '3' }), target: 't0' }]);
  assert.equal(
    third.ok ? 'ok' : third.code,
    'queue_full',
    'one running + one queued fill the lane: refused, to be sent again',
  );
  publisher.answer(first, { ok: true });
  await eventually('first succeeded', async () => {
    return (await stateOf(db, first))?.['state'] === 'succeeded';
  });
  const fourth = await submitOne(engine, { n: '4' });
  assert.notEqual((await stateOf(db, fourth))?.['state'], 'dlq', 'a finished job leaves room');
  const counts = await db.query('SELECT priority, target_name, active FROM publishing_job_counts');
  assert.deepEqual(counts.rows, [{ priority: 'medium', target_name: 't0', active: 2 }]);
});

test('a count corrupted by hand is corrected within a purge interval, then admission accepts again', async () => {
  const warnings: Array<{ msg: string | undefined; fields: object }> = [];
  engine = await startEngine(db, clock, publisher, {
    config: { workers: 0, capacity: { high: 2, medium: 2, low: 2 }, perTargetShare: 1 },
    durable: { purgeIntervalMs: 10_000 },
    logger: { ...silentLogger, warn: (fields, msg) => warnings.push({ msg, fields }) },
  });
  await db.query(
    `INSERT INTO publishing_job_counts (priority, target_name, active) VALUES ('medium', 'gone', 2)`,
  );
  const refused = await engine.submit([{ alert: anAlert({ n: '1' }), target: 't0' }]);
  assert.equal(refused.ok ? 'ok' : refused.code, 'queue_full', 'the lane looks full');
  const start = clock.now();
  await advanceUntil(clock, 1_000, 'a correction logged', () => warnings.length > 0);
  assert.ok(clock.now() - start >= 10_000, 'not before the purge interval');
  assert.deepEqual(warnings, [
    {
      msg: 'active job count did not match the jobs table: corrected',
      fields: { priority: 'medium', target: 'gone', from: 2, to: 0 },
    },
  ]);
  const accepted = await engine.submit([{ alert: anAlert({ n: '2' }), target: 't0' }]);
  assert.ok(accepted.ok);
  const counts = await db.query(
    'SELECT target_name, active FROM publishing_job_counts ORDER BY target_name',
  );
  assert.deepEqual(counts.rows, [
    { target_name: 'gone', active: 0 },
    { target_name: 't0', active: 1 },
  ]);
});

test('an open breaker with due jobs waiting parks the dispatcher instead of polling the database', async () => {
  // Counts the next-due reads, and the statements in flight (the loop is parked when none is).
  let dueReads = 0;
  let inFlight = 0;
  const counted =
    (query: Db['query']): Db['query'] =>
    async (text, params, options) => {
      if (text.includes('min(due_at)')) dueReads += 1;
      inFlight += 1;
      try {
        return await query(text, params, options);
      } finally {
        inFlight -= 1;
      }
    };
  const counting: Db = { ...db, query: counted(db.query.bind(db)) };
  engine = await startEngine(counting, clock, publisher, {
    config: { breaker: { failureThreshold: 1, successThreshold: 1, openTimeoutMs: 600_000 } },
  });
  publisher.answerAll({ ok: false, type: 'transient', reason: 'server_error', message: 'down' });
  await submitOne(engine, { n: '0' });
  await eventually('the breaker opened', () => engine?.breakerState('t0') === 'open');
  for (const n of ['1', '2', '3']) await submitOne(engine, { n });
  await eventually('the loop is parked', () => inFlight === 0);
  const before = dueReads;
  // Each step fires every timer due by then: a loop that slept 0 ms would claim and read again.
  for (let step = 0; step < 10; step += 1) {
    await clock.advance(1);
    await eventually('the loop is parked', () => inFlight === 0);
  }
  assert.ok(dueReads - before <= 1, `${dueReads - before} next-due reads in 10 ms of virtual time`);
});

test('a job waiting behind a half-open breaker becomes a circuit_open letter at max_job_age, quoting the failure that opened it', async () => {
  engine = await startEngine(db, clock, publisher, {
    config: { breaker: { failureThreshold: 1, successThreshold: 1, openTimeoutMs: 30_000 } },
    retry: { maxRetries: 0, maxJobAgeMs: 35_000 },
  });
  const start = clock.now();
  const opener = await submitOne(engine, { n: 'opener' });
  await eventually('the first attempt', () => publisher.deliveries.length === 1);
  publisher.answer(opener, {
    ok: false,
    type: 'transient',
    reason: 'timeout',
    message: 'no answer within 10s',
  });
  await eventually('the breaker opened', () => engine?.breakerState('t0') === 'open');
  await submitOne(engine, { n: 'a' });
  await submitOne(engine, { n: 'b' });
  // At 30 s one of them goes as the probe, which hangs until its 10 s timeout: the breaker is
  // half open from 30 s to 40 s, the other job reaches its max_job_age at 35 s.
  const circuitOpen = () =>
    db.query<{ job_id: string; error_message: string; http_status: number | null }>(
      `SELECT job_id, error_message, http_status FROM publishing_dlq
       WHERE error_reason = 'circuit_open'`,
    );
  await advanceUntil(clock, 1_000, 'a circuit_open letter', async () => {
    return (await circuitOpen()).rows.length > 0;
  });
  assert.equal(publisher.deliveries.length, 2, 'the opener and the probe');
  assert.ok(clock.now() - start < 40_000, 'before the probe times out');
  assert.equal(engine.breakerState('t0'), 'half_open');
  const [letter, ...others] = (await circuitOpen()).rows;
  assert.equal(others.length, 0);
  assert.deepEqual(letter, {
    job_id: letter?.job_id,
    error_message:
      'circuit breaker of t0 not closed; job older than max_job_age; ' +
      'last failure: timeout: no answer within 10s',
    http_status: null,
  });
  assert.notEqual(letter?.job_id, publisher.deliveries[1]?.jobId, 'not the probe');
});
