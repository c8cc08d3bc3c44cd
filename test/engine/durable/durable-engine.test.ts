import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Db } from '../../../src/db/db.js';
import { endedAttempts } from '../../../src/domain/job.js';
import { claimJobs } from '../../../src/engine/durable/claim-jobs.js';
import { registerInstance } from '../../../src/engine/durable/leases.js';
import type { EngineConfig } from '../../../src/engine/engine-config.js';
import { dlqInsertOn } from '../../../src/engine/durable/insert-dead-letters.js';
import type { PublishingEngine } from '../../../src/engine/publishing-engine.js';
import { anAlert } from '../../support/builders.js';
import type { FakeClock } from '../../support/fake-clock.js';
import { advanceUntil, stateOf, submitOne, SERVER_ERROR_503 } from './support/engine-harness.js';
import type { ScriptedPublisher } from './support/engine-harness.js';
import { eventually } from '../../support/eventually.js';
import { engineSuite } from './support/engine-suite.js';

let db: Db;
let clock: FakeClock;
let publisher: ScriptedPublisher;
let engine: PublishingEngine | undefined;

const startEngine = engineSuite((state) => ({ db, clock, publisher } = state));

test('stores the job before answering and reports it from the table', async () => {
  engine = await startEngine(db, clock, publisher);
  const id = await submitOne(engine, { severity: 'critical' });
  const job = await engine.getJob(id);
  assert.equal(job?.priority, 'high');
  await eventually('the attempt started', () => publisher.deliveries.length === 1);
  publisher.answer(id, { ok: true });
  await eventually('succeeded', async () => (await engine?.getJob(id))?.state === 'succeeded');
  const listed = await engine.listJobs({ state: 'succeeded' });
  assert.deepEqual(
    listed.map((j) => j.id),
    [id],
  );
});

test('a job held by a dead instance is delivered once its lease expires', async () => {
  engine = await startEngine(db, clock, publisher, { config: { workers: 0 } });
  const id = await submitOne(engine);
  await engine.stop(0);
  const expiresAt = new Date(clock.now() + 10_000).toISOString();
  await db.query(
    `INSERT INTO publishing_instances (id, lease_expires_at, started_at) VALUES ('dead', $1, $1)`,
    [expiresAt],
  );
  await db.query(
    `UPDATE publishing_jobs SET state = 'processing', lease_owner = 'dead', attempts = 1
     WHERE id = $1`,
    [id],
  );
  engine = await startEngine(db, clock, publisher);
  await clock.advance(9_000);
  await eventually('a heartbeat counted the held job', () => engine?.status().inFlight === 1);
  assert.equal(publisher.deliveries.length, 0, 'not delivered while the lease holds');
  await advanceUntil(clock, 1_000, 'redelivery', () => publisher.deliveries.length === 1);
  publisher.answer(id, { ok: true });
  await eventually('succeeded', async () => (await stateOf(db, id))?.['state'] === 'succeeded');
  assert.equal((await stateOf(db, id))?.['attempts'], 2);
});

test('a job claimed by an instance that died shows that attempt, possibly made, once released and sent again', async () => {
  engine = await startEngine(db, clock, publisher, { config: { workers: 0 } });
  const id = await submitOne(engine);
  await engine.stop(0);
  const claimedAt = clock.now();
  await registerInstance(db, 'dead', claimedAt, 10_000);
  const claimed = await claimJobs(db, {
    owner: 'dead',
    nowMs: claimedAt,
    limit: 1,
    slots: new Map([['t0', 1]]),
    maxWaitMs: { medium: 60_000, low: 60_000 },
    agedWentLast: new Set(),
  });
  assert.deepEqual(
    claimed.map((job) => job.id),
    [id],
  );
  engine = await startEngine(db, clock, publisher);
  await advanceUntil(clock, 1_000, 'sent again', () => publisher.deliveries.length === 1);
  publisher.answer(id, { ok: true });
  await eventually('succeeded', async () => (await engine?.getJob(id))?.state === 'succeeded');
  const job = await engine.getJob(id);
  assert.ok(job !== undefined);
  assert.equal(job.attempts, 2);
  assert.equal(job.history.length, endedAttempts(job), 'every attempt kept, none untold');
  const [lost, sent] = job.history;
  assert.equal(lost?.at, claimedAt);
  assert.equal(lost.reason, 'shutdown');
  assert.match(
    lost.message ?? '',
    /^instance dead stopped renewing its lease .* may have received/,
  );
  assert.ok(lost.durationMs >= 10_000, `${lost.durationMs} ms: until the lapsed lease was swept`);
  assert.equal(sent?.reason, undefined, 'then delivered');
  const [ofAlert] = await engine.jobsOf(job.fingerprint, 10);
  assert.deepEqual(ofAlert?.history, job.history);
});

test('an attempt whose lease was lost is aborted and its outcome not written', async () => {
  engine = await startEngine(db, clock, publisher);
  const id = await submitOne(engine);
  await eventually('the attempt started', () => publisher.deliveries.length === 1);
  // As if this instance had stalled past its lease and another had swept and claimed the job.
  const past = new Date(clock.now() - 1).toISOString();
  await db.query(`UPDATE publishing_instances SET lease_expires_at = $1`, [past]);
  await db.query(
    `INSERT INTO publishing_instances (id, lease_expires_at, started_at) VALUES ('thief', $1, $1)`,
    [new Date(clock.now() + 3_600_000).toISOString()],
  );
  await db.query(`UPDATE publishing_jobs SET lease_owner = 'thief' WHERE id = $1`, [id]);
  await advanceUntil(clock, 500, 'the attempt aborted', () => publisher.aborted.includes(id));
  await engine.stop(1_000);
  engine = undefined;
  const row = await stateOf(db, id);
  assert.equal(row?.['state'], 'processing');
  assert.equal(row?.['lease_owner'], 'thief');
});

test('a completion of a lost lease, written late, leaves the job claimed again under the new owner alone', async () => {
  engine = await startEngine(db, clock, publisher);
  // Completions of a success are refused (as by an outage) until the trigger goes.
  await db.query(`CREATE FUNCTION refuse_success() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.state = 'succeeded' THEN RAISE EXCEPTION 'completion refused'; END IF;
    RETURN NEW; END $$`);
  await db.query(`CREATE TRIGGER refuse_success BEFORE UPDATE ON publishing_jobs
    FOR EACH ROW EXECUTE FUNCTION refuse_success()`);
  try {
    const id = await submitOne(engine);
    await eventually('the attempt started', () => publisher.deliveries.length === 1);
    publisher.answer(id, { ok: true });
    // The lease lapses while the completion cannot commit: the instance registers as me/1, the
    // sweep hands the job back, and me/1 claims and sends it again (at least once).
    const past = new Date(clock.now() - 1).toISOString();
    await db.query(`UPDATE publishing_instances SET lease_expires_at = $1`, [past]);
    await advanceUntil(clock, 500, 'sent again by me/1', () => publisher.deliveries.length === 2);
    assert.equal((await stateOf(db, id))?.['lease_owner'], 'me/1', 'claimed by me/1');
    await db.query('DROP TRIGGER refuse_success ON publishing_jobs');
    // The old completion now commits as `me` (written nowhere; its retry waits at most 5 s) and
    // heartbeats and sweeps go on: 7 s, within the 10 s timeout of the attempt in flight.
    let steps = 0;
    await advanceUntil(clock, 500, 'seven seconds of heartbeats', () => ++steps > 14);
    assert.equal(publisher.deliveries.length, 2, 'not released and sent a third time');
    assert.equal((await stateOf(db, id))?.['lease_owner'], 'me/1');
    publisher.answer(id, { ok: true });
    await eventually('succeeded', async () => (await stateOf(db, id))?.['state'] === 'succeeded');
  } finally {
    await db.query('DROP TRIGGER IF EXISTS refuse_success ON publishing_jobs');
    await db.query('DROP FUNCTION refuse_success()');
  }
});

test('a final failure and its dead letter commit together, retried until both are stored', async () => {
  let failures = 1;
  engine = await startEngine(db, clock, publisher, {
    insertDeadLetters: async (tx, letters) => {
      if (letters.length > 0 && failures > 0) {
        failures -= 1;
        throw new Error('dlq write failed');
      }
      return dlqInsertOn(clock)(tx, letters);
    },
  });
  const id = await submitOne(engine);
  await eventually('the attempt started', () => publisher.deliveries.length === 1);
  publisher.answer(id, {
    ok: false,
    type: 'permanent',
    reason: 'client_error',
    status: 400,
    message: 'HTTP 400',
  });
  await eventually('the first commit failed', () => failures === 0);
  assert.equal((await stateOf(db, id))?.['state'], 'processing', 'the job was not finished alone');
  await advanceUntil(clock, 100, 'dead-lettered', async () => {
    return (await stateOf(db, id))?.['state'] === 'dlq';
  });
  const letters = await db.query<{ job_id: string; error_reason: string; http_status: number }>(
    'SELECT job_id, error_reason, http_status FROM publishing_dlq',
  );
  assert.deepEqual(letters.rows, [{ job_id: id, error_reason: 'client_error', http_status: 400 }]);
});

test('retries a transient failure after its backoff, then succeeds', async () => {
  engine = await startEngine(db, clock, publisher);
  const id = await submitOne(engine);
  await eventually('first attempt', () => publisher.deliveries.length === 1);
  publisher.answer(id, SERVER_ERROR_503);
  await eventually('retrying', async () => (await stateOf(db, id))?.['state'] === 'retrying');
  await clock.advance(1_000);
  assert.equal(publisher.deliveries.length, 1, 'not before the 2 s backoff');
  await advanceUntil(clock, 500, 'second attempt', () => publisher.deliveries.length === 2);
  publisher.answer(id, { ok: true });
  await eventually('succeeded', async () => (await stateOf(db, id))?.['state'] === 'succeeded');
  assert.equal((await stateOf(db, id))?.['retries'], 1);
});

test('a resolve waits for its firing job in flight; a failed firing is then superseded, not retried', async () => {
  engine = await startEngine(db, clock, publisher);
  const firing = await submitOne(engine, { team: 'db' });
  await eventually('first attempt', () => publisher.deliveries.length === 1);
  const resolved = await engine.submit([
    { alert: anAlert({ team: 'db' }, { status: 'resolved' }), target: 't0' },
  ]);
  assert.ok(resolved.ok);
  await clock.advance(1_000);
  assert.equal(publisher.deliveries.length, 1, 'the resolve waits while its firing is in flight');
  publisher.answer(firing, { ok: false, type: 'transient', reason: 'timeout', message: 'slow' });
  publisher.answerAll({ ok: true });
  await advanceUntil(clock, 500, 'resolve delivered', () => publisher.deliveries.length === 2);
  assert.deepEqual(
    publisher.deliveries.map((d) => d.alert.status),
    ['firing', 'resolved'],
  );
  await eventually('the firing superseded', async () => {
    return (await engine?.getJob(firing))?.state === 'superseded';
  });
  assert.equal((await engine.getJob(firing))?.supersededBy, resolved.jobIds[0]);
});

test('within one request, an older state of a chain is superseded by the newer one at once', async () => {
  engine = await startEngine(db, clock, publisher);
  publisher.answerAll({ ok: true });
  const submitted = await engine.submit([
    { alert: anAlert({ team: 'web' }), target: 't0' },
    { alert: anAlert({ team: 'web' }, { status: 'resolved' }), target: 't0' },
    { alert: anAlert({ team: 'other' }), target: 't0' },
  ]);
  assert.ok(submitted.ok);
  const [firing, resolved, other] = submitted.jobIds;
  await eventually('two attempts made', () => publisher.deliveries.length === 2);
  await clock.advance(1_000);
  assert.deepEqual(
    publisher.deliveries.map((d) => d.jobId).sort(),
    [resolved, other].sort(),
    'the firing was never sent',
  );
  const old = await engine.getJob(firing ?? '');
  assert.equal(old?.state, 'superseded');
  assert.equal(old?.supersededBy, resolved);
});

test('stop leaves no timer behind that would keep the process alive', async () => {
  engine = await startEngine(db, clock, publisher);
  const id = await submitOne(engine);
  await eventually('the attempt started', () => publisher.deliveries.length === 1);
  publisher.answer(id, { ok: true });
  await eventually('succeeded', async () => (await stateOf(db, id))?.['state'] === 'succeeded');
  await engine.stop(1_000);
  engine = undefined;
  assert.equal(clock.pending(), 0, 'the attempt timeout and every other sleep ended');
});

/** Three jobs for one worker with a prefetch of two: one running, two buffered (claimed). */
async function oneRunningTwoBuffered(): Promise<{ ids: string[]; running: string }> {
  engine = await startEngine(db, clock, publisher, {
    config: { workers: 1 },
    durable: { prefetchPerWorker: 2 },
  });
  const ids = [
    await submitOne(engine, { n: '1' }),
    await submitOne(engine, { n: '2' }),
    await submitOne(engine, { n: '3' }),
  ];
  await eventually('one running, two buffered', async () => {
    const held = await db.query(`SELECT id FROM publishing_jobs WHERE state = 'processing'`);
    return publisher.deliveries.length === 1 && held.rowCount === 3;
  });
  return { ids, running: publisher.deliveries[0]?.jobId ?? '' };
}

async function queuedCount(): Promise<number | null> {
  return (await db.query(`SELECT id FROM publishing_jobs WHERE state = 'queued'`)).rowCount;
}

test('stop releases claimed jobs that had not started, finishes the running attempt, then delivers the released ones within shutdown_timeout', async () => {
  const { ids, running } = await oneRunningTwoBuffered();
  const stopped = engine?.stop(30_000);
  await eventually('buffered jobs released', async () => (await queuedCount()) === 2);
  assert.equal((await stateOf(db, running))?.['state'], 'processing', 'still running');
  publisher.answer(running, { ok: true });
  await eventually('a released job attempted', () => publisher.deliveries.length === 2);
  publisher.answerAll({ ok: true });
  await stopped;
  engine = undefined;
  assert.deepEqual(
    publisher.deliveries.map((d) => d.jobId),
    ids,
  );
  for (const id of ids) assert.equal((await stateOf(db, id))?.['state'], 'succeeded');
});

test('at the stop deadline the running attempt is cut, due again at once, and the released jobs wait untouched', async () => {
  const { ids, running } = await oneRunningTwoBuffered();
  let returned = false;
  const stopped = engine?.stop(5_000).then(() => (returned = true));
  await eventually('buffered jobs released', async () => (await queuedCount()) === 2);
  await advanceUntil(clock, 500, 'stop returned', () => returned);
  await stopped;
  engine = undefined;
  assert.deepEqual(publisher.aborted, [running]);
  assert.equal(publisher.deliveries.length, 1, 'nothing else started');
  assert.deepEqual(await stateOf(db, running), {
    state: 'retrying',
    lease_owner: null,
    attempts: 1,
    retries: 0,
  });
  for (const id of ids.filter((i) => i !== running)) {
    assert.deepEqual(await stateOf(db, id), {
      state: 'queued',
      lease_owner: null,
      attempts: 0,
      retries: 0,
    });
  }
});

/** One job whose first attempt got a 503: it waits as `retrying` for its backoff (2 s + jitter). */
async function aJobRetrying(config: Partial<EngineConfig> = {}): Promise<string> {
  engine = await startEngine(db, clock, publisher, { config });
  const id = await submitOne(engine);
  await eventually('first attempt', () => publisher.deliveries.length === 1);
  publisher.answer(id, SERVER_ERROR_503);
  await eventually('retrying', async () => (await stateOf(db, id))?.['state'] === 'retrying');
  return id;
}

test('a retry falling due within shutdown_timeout is delivered during stop', async () => {
  const id = await aJobRetrying();
  const stopped = engine?.stop(10_000);
  const refused = await engine?.submit([{ alert: anAlert({ n: 'late' }), target: 't0' }]);
  assert.equal(refused?.ok === false && refused.code, 'stopping', 'admissions refused at once');
  await advanceUntil(clock, 500, 'the retry attempted', () => publisher.deliveries.length === 2);
  publisher.answer(id, { ok: true });
  await stopped;
  engine = undefined;
  assert.deepEqual(await stateOf(db, id), {
    state: 'succeeded',
    lease_owner: null,
    attempts: 2,
    retries: 1,
  });
});

test('a job admitted just before stop is stored and delivered during stop', async () => {
  engine = await startEngine(db, clock, publisher);
  publisher.answerAll({ ok: true });
  const admitted = engine.submit([{ alert: anAlert({ n: 'last' }), target: 't0' }]);
  const stopped = engine.stop(10_000);
  const result = await admitted;
  assert.ok(result.ok, 'admitted before the stop');
  await stopped;
  engine = undefined;
  assert.equal((await stateOf(db, result.jobIds[0] ?? ''))?.['state'], 'succeeded');
});

/**
 * The database with the answer of its next claim held until `release`: the claim reads the
 * table as it was when it ran, and its engine sees the answer only later.
 */
function claimHeldBack(inner: Db): { db: Db; held: () => boolean; release: () => void } {
  let armed = true;
  let held = false;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const db: Db = {
    kind: inner.kind,
    async query(text, params, options) {
      const result = await inner.query(text, params, options);
      if (armed && options?.name === 'durable_claim') {
        armed = false;
        held = true;
        await gate;
      }
      return result as never;
    },
    transaction: (fn) => inner.transaction(fn),
    close: () => inner.close(),
  };
  return { db, held: () => held, release: () => release() };
}

test('a job admitted while an empty claim is under way at stop is delivered during stop', async () => {
  engine = await startEngine(db, clock, publisher);
  publisher.answerAll({ ok: true });
  // A claim that found nothing but answers after the admission (same instant: the fake clock
  // stands still, as two events in one millisecond do). Before, the stop took that empty claim
  // for "nothing due" and returned, the job left queued for the next start.
  const gated = claimHeldBack(db);
  const engineOnGate = await startEngine(gated.db, clock, publisher);
  await engine.stop(0);
  engine = engineOnGate;
  // Its first claim, at the instant of the admission: the clock does not move.
  await eventually('a claim held back', () => gated.held());
  const id = await submitOne(engine, { n: 'during-claim' });
  const stopped = engine.stop(10_000);
  gated.release();
  await stopped;
  engine = undefined;
  assert.equal((await stateOf(db, id))?.['state'], 'succeeded');
});

test('a retry due within shutdown_timeout behind an open breaker is sent as its probe during stop', async () => {
  // The 503 opens the breaker for 4 s: the retry falls due (2.5 s) while it is still open.
  const id = await aJobRetrying({
    breaker: { failureThreshold: 1, successThreshold: 1, openTimeoutMs: 4_000 },
  });
  const failedAt = clock.now();
  const stopped = engine?.stop(10_000);
  await advanceUntil(clock, 500, 'the probe attempted', () => publisher.deliveries.length === 2);
  assert.ok(clock.now() >= failedAt + 4_000, 'not before the breaker let its probe through');
  publisher.answer(id, { ok: true });
  await stopped;
  engine = undefined;
  assert.equal((await stateOf(db, id))?.['state'], 'succeeded');
});

test('a retry due after shutdown_timeout is left waiting, and stop returns without waiting for it', async () => {
  const id = await aJobRetrying();
  const stoppedAt = clock.now();
  let returned = false;
  const stopped = engine?.stop(1_000).then(() => (returned = true));
  // Virtual time stands still: a stop waiting for its deadline would never return.
  await eventually('stop returned', () => returned);
  await stopped;
  engine = undefined;
  assert.equal(clock.now(), stoppedAt);
  assert.equal(publisher.deliveries.length, 1);
  // The waiting retry counts once its attempt starts (migrations/0012), so none yet.
  assert.deepEqual(await stateOf(db, id), {
    state: 'retrying',
    lease_owner: null,
    attempts: 1,
    retries: 0,
  });
});

test('finished jobs are purged after the retention window, newer ones kept', async () => {
  engine = await startEngine(db, clock, publisher, {
    durable: { retentionMs: 60_000, purgeIntervalMs: 10_000 },
  });
  publisher.answerAll({ ok: true });
  const start = clock.now();
  const old = await submitOne(engine, { n: 'old' });
  await eventually(
    'old succeeded',
    async () => (await stateOf(db, old))?.['state'] === 'succeeded',
  );
  await advanceUntil(clock, 1_000, '50 s later', () => clock.now() >= start + 50_000);
  const recent = await submitOne(engine, { n: 'recent' });
  await eventually(
    'recent succeeded',
    async () => (await stateOf(db, recent))?.['state'] === 'succeeded',
  );
  await advanceUntil(
    clock,
    1_000,
    'old purged',
    async () => (await stateOf(db, old)) === undefined,
  );
  assert.equal((await stateOf(db, recent))?.['state'], 'succeeded');
});
