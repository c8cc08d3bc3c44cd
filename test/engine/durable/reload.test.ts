import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import { Registry } from 'prom-client';

import type { Logger } from '../../../src/domain/clock.js';
import type { PublishOutcome } from '../../../src/domain/publisher.js';
import type { PublishingEngine } from '../../../src/engine/publishing-engine.js';
import { createMetrics } from '../../../src/metrics/metrics.js';
import { DEFAULT_RETRY_POLICY } from '../../../src/retry/backoff.js';
import { anAlert } from '../../support/builders.js';
import { forEachDatabase } from '../../support/databases.js';
import { DEFAULT_ENGINE_CONFIG } from '../../support/engine-defaults.js';
import { eventually } from '../../support/eventually.js';
import { createFakeClock } from '../../support/fake-clock.js';
import type { FakeClock } from '../../support/fake-clock.js';
import {
  advanceUntil,
  aTarget,
  clearDurableTables,
  scriptedPublisher,
  startEngine,
  stateOf,
} from './support/engine-harness.js';
import type { ScriptedPublisher } from './support/engine-harness.js';

forEachDatabase('durable engine reload', (ctx) => {
  let clock: FakeClock;
  let publisher: ScriptedPublisher;
  let engine: PublishingEngine | undefined;

  beforeEach(async () => {
    await clearDurableTables(ctx.db());
    clock = createFakeClock();
    publisher = scriptedPublisher();
  });
  afterEach(async () => {
    publisher.answerAll({ ok: true });
    await engine?.stop(1_000);
    engine = undefined;
  });

  async function letterReason(jobId: string): Promise<string | undefined> {
    const result = await ctx
      .db()
      .query<{ error_reason: string }>(
        'SELECT error_reason FROM publishing_dlq WHERE job_id = $1',
        [jobId],
      );
    return result.rows[0]?.error_reason;
  }

  it('dead-letters the waiting jobs of a removed target and the failed attempt it had in flight', async () => {
    engine = await startEngine(ctx.db(), clock, publisher, {
      config: { workers: 1 },
      durable: { prefetchPerWorker: 0 },
    });
    const submitted = await engine.submit([
      { alert: anAlert({ n: '1' }), target: 't0' },
      { alert: anAlert({ n: '2' }), target: 't0' },
    ]);
    assert.ok(submitted.ok);
    const [inFlight, waiting] = submitted.jobIds;
    await eventually('one attempt in flight', () => publisher.deliveries.length === 1);
    const other = scriptedPublisher();
    const summary = await engine.reconfigure(
      new Map([['t1', aTarget('t1', other)]]),
      DEFAULT_ENGINE_CONFIG,
    );
    assert.deepEqual(summary, {
      added: ['t1'],
      removed: ['t0'],
      changed: [],
      deadLettered: 1,
      deadLetterDeferred: [],
    });
    assert.equal(await letterReason(waiting ?? ''), 'target_removed');
    publisher.answer(inFlight ?? '', {
      ok: false,
      type: 'transient',
      reason: 'server_error',
      message: 'down',
    });
    await eventually('the attempt in flight dead-lettered', async () => {
      return (await letterReason(inFlight ?? '')) === 'target_removed';
    });
    assert.equal((await stateOf(ctx.db(), inFlight ?? ''))?.['state'], 'dlq');
    const refused = await engine.submit([{ alert: anAlert({ n: '3' }), target: 't0' }]);
    assert.equal(!refused.ok && refused.code, 'unknown_target');
    other.answerAll({ ok: true });
    const accepted = await engine.submit([{ alert: anAlert({ n: '4' }), target: 't1' }]);
    assert.ok(accepted.ok);
    await eventually('the added target delivers', () => other.deliveries.length === 1);
  });

  it('counts only the retries made in the letter of a removed job that waited for its next retry', async () => {
    engine = await startEngine(ctx.db(), clock, publisher);
    const submitted = await engine.submit([{ alert: anAlert(), target: 't0' }]);
    assert.ok(submitted.ok);
    const id = submitted.jobIds[0] ?? '';
    const fails = async (attempt: number): Promise<void> => {
      const made = (): boolean => publisher.deliveries.length === attempt;
      await advanceUntil(clock, 500, `attempt ${attempt}`, made);
      publisher.answer(id, { ok: false, type: 'transient', reason: 'server_error', message: '' });
      await eventually(`retrying after attempt ${attempt}`, async () => {
        const row = await stateOf(ctx.db(), id);
        return row?.['state'] === 'retrying' && row['attempts'] === attempt;
      });
    };
    await fails(1);
    await fails(2); // the second retry is due 4 s later: the target goes first
    const removal = new Map([['t1', aTarget('t1', scriptedPublisher())]]);
    assert.equal((await engine.reconfigure(removal, DEFAULT_ENGINE_CONFIG)).deadLettered, 1);
    const letter = await ctx
      .db()
      .query<{ error_reason: string; retry_count: number; attempts: number }>(
        `SELECT error_reason, retry_count, jsonb_array_length(attempts) AS attempts
         FROM publishing_dlq WHERE job_id = $1`,
        [id],
      );
    assert.deepEqual(letter.rows, [
      { error_reason: 'target_removed', retry_count: 1, attempts: 2 },
    ]);
    assert.equal((await stateOf(ctx.db(), id))?.['retries'], 1, 'the job says the same');
  });

  it('dead-letters the claimed, unstarted jobs of a removed target without charging an attempt', async () => {
    engine = await startEngine(ctx.db(), clock, publisher, {
      config: { workers: 1 },
      durable: { prefetchPerWorker: 1 },
    });
    const submitted = await engine.submit([
      { alert: anAlert({ n: '1' }), target: 't0' },
      { alert: anAlert({ n: '2' }), target: 't0' },
    ]);
    assert.ok(submitted.ok);
    const [inFlight, buffered] = submitted.jobIds;
    await eventually('one attempt in flight, one claimed', async () => {
      const row = await stateOf(ctx.db(), buffered ?? '');
      return publisher.deliveries.length === 1 && row?.['state'] === 'processing';
    });
    await engine.reconfigure(
      new Map([['t1', aTarget('t1', scriptedPublisher())]]),
      DEFAULT_ENGINE_CONFIG,
    );
    await eventually('the claimed job dead-lettered', async () => {
      return (await letterReason(buffered ?? '')) === 'target_removed';
    });
    const row = await stateOf(ctx.db(), buffered ?? '');
    assert.deepEqual([row?.['state'], row?.['attempts']], ['dlq', 0], 'never attempted');
    publisher.answer(inFlight ?? '', { ok: true });
    await eventually('the attempt in flight recorded', async () => {
      return (await stateOf(ctx.db(), inFlight ?? ''))?.['state'] === 'succeeded';
    });
    assert.equal((await stateOf(ctx.db(), inFlight ?? ''))?.['attempts'], 1);
  });

  it('dead-letters the jobs of a removed target that were waiting for an admission at the reload', async () => {
    engine = await startEngine(ctx.db(), clock, publisher, { config: { workers: 0 } });
    // The first starts a transaction; the second waits for it, checked against t0.
    const first = engine.submit([{ alert: anAlert({ n: '1' }), target: 't0' }]);
    const second = engine.submit([{ alert: anAlert({ n: '2' }), target: 't0' }]);
    const summary = await engine.reconfigure(
      new Map([['t1', aTarget('t1', scriptedPublisher())]]),
      DEFAULT_ENGINE_CONFIG,
    );
    const [a, b] = await Promise.all([first, second]);
    assert.ok(a?.ok && b?.ok);
    assert.equal(summary.deadLettered, 2);
    for (const id of [...a.jobIds, ...b.jobIds]) {
      assert.equal(await letterReason(id), 'target_removed', 'not left waiting for no target');
    }
  });

  const BREAKER = { failureThreshold: 2, successThreshold: 1, openTimeoutMs: 600_000 };
  const DOWN: PublishOutcome = {
    ok: false,
    type: 'transient',
    reason: 'server_error',
    message: 'down',
  };

  interface Observed {
    registry: Registry;
    transitions: object[];
  }

  /** t0 failed twice: its breaker is open for 10 minutes. Metrics and transition lines kept. */
  async function anOpenBreaker(): Promise<Observed> {
    const registry = new Registry();
    const transitions: object[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (obj, msg) => {
        if (msg === 'circuit breaker changed state') transitions.push(obj);
      },
      error: () => undefined,
    };
    publisher.answerAll(DOWN);
    engine = await startEngine(ctx.db(), clock, publisher, {
      config: { breaker: BREAKER },
      retry: { maxRetries: 0 },
      logger,
      metrics: createMetrics(registry),
    });
    const submitted = await engine.submit([
      { alert: anAlert({ n: '1' }), target: 't0' },
      { alert: anAlert({ n: '2' }), target: 't0' },
    ]);
    assert.ok(submitted.ok);
    await eventually('the breaker open', () => engine?.breakerState('t0') === 'open');
    return { registry, transitions };
  }

  it('keeps an open breaker when a reload changes the target but not where it sends', async () => {
    const { registry, transitions } = await anOpenBreaker();
    const before = engine?.stats().breakers;
    const summary = await engine?.reconfigure(
      new Map([
        ['t0', { ...aTarget('t0', publisher), retry: { ...DEFAULT_RETRY_POLICY, maxRetries: 7 } }],
      ]),
      { ...DEFAULT_ENGINE_CONFIG, breaker: BREAKER },
    );
    assert.deepEqual(summary?.changed, ['t0'], 'a changed target');
    assert.equal(engine?.breakerState('t0'), 'open');
    assert.deepEqual(engine?.stats().breakers, before, 'state, count and opening time kept');
    assert.match(await registry.metrics(), /circuit_breaker_state\{target="t0"\} 2/);
    assert.deepEqual(transitions, [{ target: 't0', to: 'open' }]);
  });

  it('resets an open breaker when a reload points the target elsewhere, logged and counted', async () => {
    const { registry, transitions } = await anOpenBreaker();
    const elsewhere = scriptedPublisher();
    elsewhere.answerAll({ ok: true });
    await engine?.reconfigure(
      new Map([
        ['t0', { ...aTarget('t0', elsewhere), endpoint: 'https://other.example.com/hook' }],
      ]),
      { ...DEFAULT_ENGINE_CONFIG, breaker: BREAKER },
    );
    assert.equal(engine?.breakerState('t0'), 'closed');
    const text = await registry.metrics();
    assert.match(text, /circuit_breaker_state\{target="t0"\} 0/);
    assert.match(text, /circuit_breaker_transitions_total\{target="t0",to="closed"\} 1/);
    assert.deepEqual(transitions.at(-1), {
      target: 't0',
      to: 'closed',
      reason: 'reload: the target sends to another endpoint',
    });
    const accepted = await engine?.submit([{ alert: anAlert({ n: '3' }), target: 't0' }]);
    assert.ok(accepted?.ok);
    await eventually('the new endpoint delivers', () => elsewhere.deliveries.length === 1);
  });
});
