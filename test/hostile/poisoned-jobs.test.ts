import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { PublishOutcome } from '../../src/domain/publisher.js';
import { createDlqRepository } from '../../src/dlq/dlq-repository.js';
import type { PublishingEngine } from '../../src/engine/publishing-engine.js';
import { anAlert, aClassification } from '../support/builders.js';
import { forEachDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { FakeClock } from '../support/fake-clock.js';
import { anEngineOnDlq, stopEngine } from '../dlq/engine-on-dlq.js';
import {
  advanceUntil,
  scriptedPublisher,
  startEngine,
  stateOf,
} from '../engine/durable/support/engine-harness.js';

/**
 * Issue 14, defect 1, through both engines: a job whose alert, classification or failure
 * message PostgreSQL cannot store (submitted past the HTTP edge, which now cleans them) used
 * to block the memory engine's DLQ writer for ever, and in durable mode its completion
 * never committed (the job stayed `processing`). Each is now stored with U+FFFD, and the
 * clean job beside it is not held up.
 */
const POISONED = {
  alert: anAlert({ v: 'x\ud800y' }),
  classification: aClassification({ reasoning: 'why\u0000' }),
};
const REFUSED: PublishOutcome = {
  ok: false,
  type: 'permanent',
  reason: 'client_error',
  status: 400,
  message: 'HTTP 400: bad \u0000 body \udc00',
};

forEachDatabase('poisoned jobs', (ctx) => {
  let clock: FakeClock;
  let engine: PublishingEngine | undefined;

  beforeEach(async () => {
    clock = createFakeClock();
    await ctx
      .db()
      .query(
        'TRUNCATE publishing_jobs, publishing_job_counts, publishing_dlq, publishing_instances',
      );
  });
  afterEach(async () => {
    if (engine !== undefined) await stopEngine(engine, clock, 1_000);
    engine = undefined;
  });

  const storedLetters = async () =>
    (
      await ctx.db().query<{
        job_id: string;
        error_message: string;
        enriched_alert: { alert: { labels: Record<string, string> }; classification?: unknown };
      }>('SELECT job_id, error_message, enriched_alert FROM publishing_dlq')
    ).rows;

  it('memory engine: dead-letters a poisoned job and the clean one beside it', async () => {
    const repo = createDlqRepository({ db: ctx.db(), clock });
    const setup = anEngineOnDlq({ clock, repo });
    engine = setup.engine;
    setup.publisher.script(REFUSED, REFUSED);
    const submitted = await engine.submit([
      { target: 'audit', ...POISONED },
      { target: 'audit', alert: anAlert({ v: 'clean' }) },
    ]);
    assert.ok(submitted.ok);
    await eventually('both letters stored', async () => {
      await clock.advance(1_000);
      return (await storedLetters()).length === 2;
    });
    const poisoned = (await storedLetters()).find((l) => l.job_id === submitted.jobIds[0]);
    assert.equal(poisoned?.enriched_alert.alert.labels['v'], 'x\ufffdy');
    assert.deepEqual(poisoned?.enriched_alert.classification, {
      ...POISONED.classification,
      reasoning: 'why\ufffd',
    });
    assert.equal(poisoned?.error_message, 'HTTP 400: bad \ufffd body \ufffd');
    assert.equal(
      (await engine.getJob(submitted.jobIds[0] ?? ''))?.lastError?.message,
      poisoned?.error_message,
    );
  });

  it('durable engine: commits the completion of a poisoned job with its dead letter', async () => {
    const publisher = scriptedPublisher();
    publisher.answerAll(REFUSED);
    engine = await startEngine(ctx.db(), clock, publisher);
    const submitted = await engine.submit([
      { target: 't0', ...POISONED },
      { target: 't0', alert: anAlert({ v: 'clean' }) },
    ]);
    assert.ok(submitted.ok);
    await advanceUntil(clock, 100, 'both jobs dead-lettered', async () => {
      const states = await Promise.all(submitted.jobIds.map((id) => stateOf(ctx.db(), id)));
      return states.every((row) => row?.['state'] === 'dlq');
    });
    const letters = await storedLetters();
    assert.equal(letters.length, 2);
    const poisoned = letters.find((l) => l.job_id === submitted.jobIds[0]);
    assert.equal(poisoned?.enriched_alert.alert.labels['v'], 'x\ufffdy');
    assert.equal(poisoned?.error_message, 'HTTP 400: bad \ufffd body \ufffd');
    const job = await engine.getJob(submitted.jobIds[0] ?? '');
    assert.equal(job?.lastError?.message, 'HTTP 400: bad \ufffd body \ufffd');
  });
});
