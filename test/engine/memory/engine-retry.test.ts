import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  BAD_REQUEST,
  createScriptedPublisher,
  failure,
  OK,
  RATE_LIMITED,
  SERVER_ERROR,
  UNKNOWN,
} from '../../support/scripted-publisher.js';
import type { Publisher } from '../../../src/domain/publisher.js';
import type { ScriptedAnswer, ScriptedPublisher } from '../../support/scripted-publisher.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { aRequest, anEngine, submitIds } from './engine-harness.js';

/** A scripted target whose attempt start times (from the test start) are recorded. */
function timedTarget(answer: ScriptedAnswer) {
  const clock = createFakeClock();
  const start = clock.now();
  const times: number[] = [];
  const scripted = createScriptedPublisher(answer);
  const publisher: Publisher & { script: ScriptedPublisher['script']; readonly inFlight: number } =
    {
      script: (...answers) => scripted.script(...answers),
      get inFlight() {
        return scripted.inFlight;
      },
      publish(delivery, signal) {
        times.push(clock.now() - start);
        return scripted.publish(delivery, signal);
      },
      close: () => scripted.close(),
    };
  return { clock, times, publisher };
}

/**
 * A job whose target fails throughout waits for it past its retries, up to max_job_age (see the
 * tests at the end): 20 s lets the retries of these tests' jobs run, and no wait after them.
 */
const SHORT_AGE = { maxJobAgeMs: 20_000 };

describe('engine retries', () => {
  it('dead-letters a transient failure after 4 attempts with retry_count 3, waiting 2s, 4s, 8s plus seeded jitter', async () => {
    const { clock, times, publisher } = timedTarget(SERVER_ERROR);
    const h = anEngine({
      clock,
      random: () => 0.25,
      targets: [{ name: 'audit', publisher, retry: { jitterMs: 1_000, ...SHORT_AGE } }],
    });
    const [id] = await submitIds(h.engine, [aRequest('audit')]);
    await clock.advance(60_000);
    assert.deepEqual(times, [0, 2_250, 2_250 + 4_250, 2_250 + 4_250 + 8_250]);
    assert.equal(h.deadLetters.stored.length, 1);
    const letter = h.deadLetters.stored[0];
    assert.equal(letter?.retryCount, 3);
    assert.equal(letter?.errorReason, 'server_error');
    assert.equal(letter?.errorType, 'transient');
    assert.equal(letter?.httpStatus, 503);
    assert.equal(letter?.lastRetryAt, clock.now() - 60_000 + 14_750);
    assert.deepEqual(letter?.targetConfig, { url: 'https://audit.example.com/hook' });
    assert.equal((await h.engine.getJob(id ?? ''))?.state, 'dlq');
    assert.equal((await h.engine.getJob(id ?? ''))?.attempts, 4);
  });

  it('dead-letters a permanent failure after 1 attempt with retry_count 0', async () => {
    const { clock, times, publisher } = timedTarget(BAD_REQUEST);
    const h = anEngine({ clock, targets: [{ name: 'audit', publisher }] });
    await submitIds(h.engine, [aRequest('audit')]);
    await clock.advance(60_000);
    assert.deepEqual(times, [0]);
    assert.equal(h.deadLetters.stored[0]?.retryCount, 0);
    assert.equal(h.deadLetters.stored[0]?.errorType, 'permanent');
    assert.equal(h.deadLetters.stored[0]?.errorReason, 'client_error');
  });

  it('retries an unknown failure like a transient one', async () => {
    const { clock, times, publisher } = timedTarget(UNKNOWN);
    const h = anEngine({ clock, targets: [{ name: 'audit', publisher, retry: SHORT_AGE }] });
    await submitIds(h.engine, [aRequest('audit')]);
    await clock.advance(60_000);
    assert.equal(times.length, 4);
    assert.equal(h.deadLetters.stored[0]?.errorType, 'unknown');
    assert.equal(h.deadLetters.stored[0]?.retryCount, 3);
  });

  it('succeeds on a later attempt and stores no dead letter', async () => {
    const { clock, publisher } = timedTarget(OK);
    publisher.script(SERVER_ERROR, SERVER_ERROR);
    const h = anEngine({ clock, targets: [{ name: 'audit', publisher }] });
    const [id] = await submitIds(h.engine, [aRequest('audit')]);
    await clock.advance(10_000);
    assert.equal((await h.engine.getJob(id ?? ''))?.state, 'succeeded');
    assert.equal((await h.engine.getJob(id ?? ''))?.retries, 2);
    assert.equal(h.deadLetters.stored.length, 0);
    assert.equal(h.finished[0]?.state, 'succeeded');
  });

  it('waits for Retry-After when it is longer than the backoff, and logs the due time in ISO', async () => {
    const { clock, times, publisher } = timedTarget(OK);
    publisher.script(failure(503, 'transient', 'server_error', 20_000));
    const h = anEngine({ clock, targets: [{ name: 'audit', publisher }] });
    const t0 = clock.now();
    await submitIds(h.engine, [aRequest('audit')]);
    await clock.advance(60_000);
    assert.deepEqual(times, [0, 20_000]);
    const line = h.logs.find((l) => l.msg === 'attempt failed; retry scheduled');
    assert.ok(line !== undefined);
    assert.equal(Reflect.get(line.obj, 'next_attempt_at'), new Date(t0 + 20_000).toISOString());
  });

  it('caps Retry-After at max_retry_after', async () => {
    const { clock, times, publisher } = timedTarget(OK);
    publisher.script(failure(503, 'transient', 'server_error', 3_600_000));
    const h = anEngine({
      clock,
      targets: [{ name: 'audit', publisher, retry: { maxRetryAfterMs: 45_000 } }],
    });
    await submitIds(h.engine, [aRequest('audit')]);
    await clock.advance(120_000);
    assert.deepEqual(times, [0, 45_000]);
  });

  it('spends no attempt on a 429: two 429s then four 5xx dead-letter after 6 attempts with retry_count 3', async () => {
    const { clock, times, publisher } = timedTarget(SERVER_ERROR);
    publisher.script(
      failure(429, 'transient', 'rate_limited', 5_000),
      failure(429, 'transient', 'rate_limited', 5_000),
    );
    const h = anEngine({ clock, targets: [{ name: 'audit', publisher, retry: SHORT_AGE }] });
    await submitIds(h.engine, [aRequest('audit')]);
    await clock.advance(120_000);
    assert.equal(times.length, 6);
    assert.deepEqual(times.slice(0, 3), [0, 5_000, 10_000]);
    assert.equal(h.deadLetters.stored[0]?.retryCount, 3);
    assert.equal(h.deadLetters.stored[0]?.errorReason, 'server_error');
  });

  it('backs off 429s without Retry-After exponentially (2s, 4s, 8s) although they spend no retry', async () => {
    const { clock, times, publisher } = timedTarget(OK);
    const rateLimited = failure(429, 'transient', 'rate_limited');
    publisher.script(rateLimited, rateLimited, rateLimited);
    const h = anEngine({ clock, random: () => 0, targets: [{ name: 'audit', publisher }] });
    await submitIds(h.engine, [aRequest('audit')]);
    await clock.advance(60_000);
    assert.deepEqual(times, [0, 2_000, 6_000, 14_000]);
  });

  it('bounds 429 waiting by max_job_age, then dead-letters as rate_limited', async () => {
    const { clock, times, publisher } = timedTarget(RATE_LIMITED);
    const h = anEngine({
      clock,
      targets: [{ name: 'audit', publisher, retry: { maxJobAgeMs: 60_000, baseMs: 10_000 } }],
    });
    await submitIds(h.engine, [aRequest('audit')]);
    await clock.advance(300_000);
    assert.ok(times.length > 3, `a 429 is retried beyond max_retries (${times.length} attempts)`);
    assert.ok((times.at(-1) ?? 0) <= 60_000);
    assert.equal(h.deadLetters.stored.length, 1);
    assert.equal(h.deadLetters.stored[0]?.errorReason, 'rate_limited');
    assert.equal(h.deadLetters.stored[0]?.retryCount, 0);
  });

  it('retries a 5xx due after max_job_age until max_retries; the wait for the target after them is bounded by it', async () => {
    const { clock, times, publisher } = timedTarget(SERVER_ERROR);
    const h = anEngine({
      clock,
      random: () => 0,
      targets: [{ name: 'audit', publisher, retry: { maxJobAgeMs: 3_000 } }],
    });
    await submitIds(h.engine, [aRequest('audit')]);
    await clock.advance(60_000);
    assert.deepEqual(times, [0, 2_000, 6_000, 14_000]);
    assert.equal(h.deadLetters.stored[0]?.errorReason, 'server_error');
    assert.equal(h.deadLetters.stored[0]?.retryCount, 3);
  });

  it('treats an attempt that outlives the target timeout as a transient timeout', async () => {
    const { clock, times, publisher } = timedTarget('hang');
    const h = anEngine({
      clock,
      // No wait for the target after a timeout, which may have reached it.
      targets: [{ name: 'audit', publisher, timeoutMs: 1_000, retry: { maxRetries: 0 } }],
    });
    await submitIds(h.engine, [aRequest('audit')]);
    await clock.advance(999);
    assert.equal(publisher.inFlight, 1);
    await clock.advance(1);
    assert.equal(publisher.inFlight, 0, 'the publisher signal was aborted');
    assert.equal(times.length, 1);
    assert.equal(h.deadLetters.stored[0]?.errorReason, 'timeout');
  });

  it('logs one line per job outcome with job id, target, priority, attempt, reason and duration', async () => {
    const { clock, publisher } = timedTarget(BAD_REQUEST);
    const h = anEngine({ clock, targets: [{ name: 'audit', publisher }] });
    const [id] = await submitIds(h.engine, [aRequest('audit', { severity: 'critical' })]);
    await clock.advance(1_000);
    const lines = h.logs.filter((l) => l.msg === 'job dead-lettered');
    assert.deepEqual(lines[0]?.obj, {
      job_id: id,
      target: 'audit',
      priority: 'high',
      attempt: 1,
      reason: 'client_error',
      duration_ms: 0,
    });
  });

  it("logs duration_ms as the time since the job was submitted, retries' waits included (docs/metrics.md)", async () => {
    const { clock, times, publisher } = timedTarget(SERVER_ERROR);
    const h = anEngine({
      clock,
      random: () => 0,
      targets: [{ name: 'audit', publisher, retry: SHORT_AGE }],
    });
    const [id] = await submitIds(h.engine, [aRequest('audit', { severity: 'critical' })]);
    await clock.advance(60_000);
    assert.deepEqual(times, [0, 2_000, 6_000, 14_000]);
    const lines = h.logs.filter((l) => l.msg === 'job dead-lettered');
    assert.deepEqual(lines[0]?.obj, {
      job_id: id,
      target: 'audit',
      priority: 'high',
      attempt: 4,
      reason: 'server_error',
      duration_ms: 14_000,
    });
  });

  it('keeps a job whose target fails throughout past its retries and delivers it on recovery', async () => {
    const { clock, times, publisher } = timedTarget(OK);
    // Down for six attempts: the job's four, then two waits at max_delay (30 s).
    publisher.script(...Array.from({ length: 6 }, () => SERVER_ERROR));
    const h = anEngine({ clock, random: () => 0, targets: [{ name: 'pager', publisher }] });
    const [id] = await submitIds(h.engine, [aRequest('pager', { severity: 'critical' })]);
    await clock.advance(120_000);
    // Before, the fourth failure dead-lettered it at 14 s, while the jobs behind the breaker
    // that opened a moment later were delivered on recovery.
    assert.deepEqual(times, [0, 2_000, 6_000, 14_000, 30_000, 60_000, 90_000]);
    // Its waits say nothing more about the target: alone, it does not open the breaker.
    assert.equal(h.engine.breakerState('pager'), 'closed');
    assert.equal(h.deadLetters.stored.length, 0);
    const job = await h.engine.getJob(id ?? '');
    assert.equal(job?.state, 'succeeded');
    assert.equal(job?.retries, 3, 'the waits for the target spend no retry');
  });

  it('dead-letters a job that spends its retries while its target delivers other jobs', async () => {
    const clock = createFakeClock();
    const publisher: Publisher = {
      publish: (delivery) =>
        Promise.resolve(delivery.alert.labels['alertname'] === 'Poison' ? SERVER_ERROR : OK),
      close: () => Promise.resolve(),
    };
    const h = anEngine({ clock, random: () => 0, targets: [{ name: 'audit', publisher }] });
    const [poison] = await submitIds(h.engine, [aRequest('audit', { alertname: 'Poison' })]);
    // A delivery between each two of its attempts (at 0, 2, 6 and 14 s): the target is up.
    for (const at of [1_000, 3_000, 4_000]) {
      await clock.advance(at);
      await submitIds(h.engine, [aRequest('audit', { alertname: `Fine${String(at)}` })]);
    }
    await clock.advance(60_000);
    assert.equal(h.deadLetters.stored.length, 1);
    assert.equal(h.deadLetters.stored[0]?.jobId, poison);
    assert.equal(h.deadLetters.stored[0]?.retryCount, 3);
    assert.equal((await h.engine.getJob(poison ?? ''))?.attempts, 4);
  });

  it('dead-letters a job whose target stays down past max_job_age, with its last error', async () => {
    const { clock, publisher } = timedTarget(SERVER_ERROR);
    const h = anEngine({
      clock,
      random: () => 0,
      targets: [{ name: 'pager', publisher, retry: { maxJobAgeMs: 600_000 } }],
    });
    const [id] = await submitIds(h.engine, [aRequest('pager')]);
    await clock.advance(590_000);
    assert.equal(h.deadLetters.stored.length, 0, 'it waits for the target within max_job_age');
    await clock.advance(60_000);
    assert.equal(h.deadLetters.stored.length, 1);
    assert.equal(h.deadLetters.stored[0]?.jobId, id);
    assert.equal(h.deadLetters.stored[0]?.errorReason, 'server_error');
    assert.equal(h.deadLetters.stored[0]?.httpStatus, 503);
    assert.equal(h.deadLetters.stored[0]?.retryCount, 3);
  });

  it('does not let a lone job failing on its own hold the target: its waits leave the breaker closed', async () => {
    const clock = createFakeClock();
    const start = clock.now();
    const good: number[] = [];
    const publisher: Publisher = {
      publish(delivery) {
        if (delivery.alert.labels['alertname'] === 'Poison') return Promise.resolve(SERVER_ERROR);
        good.push(clock.now() - start);
        return Promise.resolve(OK);
      },
      close: () => Promise.resolve(),
    };
    const h = anEngine({ clock, random: () => 0, targets: [{ name: 'audit', publisher }] });
    // Nothing else is sent while it fails: it cannot tell itself from a down target, and waits.
    await submitIds(h.engine, [aRequest('audit', { alertname: 'Poison', severity: 'critical' })]);
    await clock.advance(100_000);
    assert.equal(h.engine.breakerState('audit'), 'closed');
    await submitIds(h.engine, [aRequest('audit', { alertname: 'Fine' })]);
    await clock.advance(1);
    assert.deepEqual(good, [100_000], 'sent at once, not held behind an open breaker');
  });

  it('counts in retries_total only the retries that spend max_retries, not the waits for a down target', async () => {
    const { clock, publisher } = timedTarget(SERVER_ERROR);
    const h = anEngine({ clock, random: () => 0, targets: [{ name: 'pager', publisher }] });
    await submitIds(h.engine, [aRequest('pager')]);
    await clock.advance(100_000);
    assert.ok(publisher.inFlight === 0);
    const text = await h.registry.metrics();
    // Four attempts, three retries, then waits at 30 s: the waits count nowhere there.
    assert.match(
      text,
      /alert_publisher_retries_total\{target="pager",error_type="transient"\} 3\n/,
    );
  });

  it('dead-letters jobs that fail on their own once the target delivers another, although they opened the breaker', async () => {
    const clock = createFakeClock();
    const publisher: Publisher = {
      publish: (delivery) =>
        Promise.resolve(
          delivery.alert.labels['alertname']?.startsWith('Poison') === true ? SERVER_ERROR : OK,
        ),
      close: () => Promise.resolve(),
    };
    const h = anEngine({ clock, random: () => 0, targets: [{ name: 'audit', publisher }] });
    const poisons = await submitIds(h.engine, [
      aRequest('audit', { alertname: 'Poison1', severity: 'warning' }),
      aRequest('audit', { alertname: 'Poison2', severity: 'warning' }),
    ]);
    await clock.advance(10_000);
    assert.equal(h.engine.breakerState('audit'), 'open', 'their own failures opened it');
    const [healthy] = await submitIds(h.engine, [
      aRequest('audit', { alertname: 'Healthy', severity: 'critical' }),
    ]);
    await clock.advance(300_000);
    // Their failures as half-open probes count for nothing, so the critical one gets a probe
    // and is delivered; the two are then known to fail on their own. Before, they were the
    // probes every 30 s, each failure reopening the breaker, for up to max_job_age.
    assert.equal((await h.engine.getJob(healthy ?? ''))?.state, 'succeeded');
    for (const id of poisons) assert.equal((await h.engine.getJob(id ?? ''))?.state, 'dlq');
    // Half open after one successful probe: the next alert is sent at once and closes it.
    const [next] = await submitIds(h.engine, [aRequest('audit', { alertname: 'Next' })]);
    await clock.advance(1);
    assert.equal((await h.engine.getJob(next ?? ''))?.state, 'succeeded');
    assert.equal(h.engine.breakerState('audit'), 'closed');
  });
});
