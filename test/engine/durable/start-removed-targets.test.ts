import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { Db } from '../../../src/db/db.js';
import type { Logger } from '../../../src/domain/clock.js';
import type { Target } from '../../../src/domain/target.js';
import { reconcileJobCounts } from '../../../src/engine/durable/reconcile-job-counts.js';
import type { PublishingEngine } from '../../../src/engine/publishing-engine.js';
import { anAlert } from '../../support/builders.js';
import { forEachDatabase } from '../../support/databases.js';
import { createFakeClock } from '../../support/fake-clock.js';
import type { FakeClock } from '../../support/fake-clock.js';
import {
  advanceUntil,
  aTarget,
  clearDurableTables,
  scriptedPublisher,
  startEngine,
} from './support/engine-harness.js';
import type { ScriptedPublisher } from './support/engine-harness.js';

/**
 * Targets removed from the config, or disabled, while no instance ran: a start dead-letters
 * their waiting jobs as a reload does (`target_removed`), instead of leaving them waiting for
 * a target no instance has.
 */
forEachDatabase('durable engine start without some targets', (ctx) => {
  let clock: FakeClock;
  let publisher: ScriptedPublisher;
  let engine: PublishingEngine | undefined;
  /** Warn and info lines, as `level: message`. */
  let lines: string[];
  const logger: Logger = {
    debug: () => undefined,
    info: (_fields, message) => lines.push(`info: ${message ?? ''}`),
    warn: (fields, message) => lines.push(`warn: ${message ?? ''} ${JSON.stringify(fields)}`),
    error: (_fields, message) => lines.push(`error: ${message ?? ''}`),
  };

  beforeEach(async () => {
    await clearDurableTables(ctx.db());
    clock = createFakeClock();
    publisher = scriptedPublisher();
    publisher.answerAll({ ok: true });
    lines = [];
  });
  afterEach(async () => {
    await engine?.stop(1_000);
    engine = undefined;
  });

  /** Two jobs for a and three for b, left waiting by an engine that delivers nothing. */
  async function jobsLeftWaiting(db: Db = ctx.db()): Promise<void> {
    const first = await startEngine(db, clock, publisher, {
      targets: [aTarget('a', publisher), aTarget('b', publisher)],
      config: { workers: 0 },
    });
    const submitted = await first.submit([
      ...['1', '2'].map((n) => ({ alert: anAlert({ n }), target: 'a' })),
      ...['3', '4', '5'].map((n) => ({ alert: anAlert({ n }), target: 'b' })),
    ]);
    assert.ok(submitted.ok);
    await first.stop(1_000);
  }

  async function statesOf(target: string, db: Db = ctx.db()): Promise<string[]> {
    const result = await db.query<{ state: string }>(
      'SELECT state FROM publishing_jobs WHERE target_name = $1 ORDER BY seq',
      [target],
    );
    return result.rows.map((row) => row.state);
  }

  async function letters(): Promise<Array<Record<string, unknown>>> {
    const result = await ctx
      .db()
      .query(
        'SELECT target_name, target_type, target_config, error_reason FROM publishing_dlq ORDER BY submit_seq',
      );
    return result.rows;
  }

  async function activeCounts(): Promise<Record<string, number>> {
    const result = await ctx
      .db()
      .query<{ target_name: string; active: number }>(
        'SELECT target_name, active FROM publishing_job_counts ORDER BY target_name',
      );
    return Object.fromEntries(result.rows.map((row) => [row.target_name, row.active]));
  }

  it('dead-letters the waiting jobs of a target removed while stopped, and delivers the others', async () => {
    await jobsLeftWaiting();
    engine = await startEngine(ctx.db(), clock, publisher, {
      targets: [aTarget('a', publisher)],
      logger,
    });
    assert.deepEqual(await statesOf('b'), ['dlq', 'dlq', 'dlq'], 'dead-lettered at start');
    const absent = { absent: 'not in the configuration at start: type and settings unknown' };
    assert.deepEqual(
      await letters(),
      ['b', 'b', 'b'].map((name) => ({
        target_name: name,
        target_type: null,
        target_config: absent,
        error_reason: 'target_removed',
      })),
    );
    await advanceUntil(clock, 100, 'the jobs of a delivered', async () =>
      (await statesOf('a')).every((state) => state === 'succeeded'),
    );
    assert.equal(publisher.deliveries.length, 2, 'only the jobs of a');
    assert.deepEqual(await activeCounts(), { a: 0, b: 0 });
    assert.deepEqual(await reconcileJobCounts(ctx.db()), [], 'the counts match the jobs');
    await advanceUntil(
      clock,
      1_000,
      'the lanes counted',
      () => engine?.status().lanes.medium.queued === 0,
    );
    assert.deepEqual(
      lines.filter((line) => line.includes('not in the config')),
      [
        'warn: dead-lettered the waiting jobs of targets not in the config (removed or disabled, ' +
          'or configured on other instances only): replayable once the target is back; claimed ' +
          'ones follow when released {"targets":{"b":3},"claimed":[]}',
      ],
    );
  });

  it('gives the letters of a disabled target its type and settings', async () => {
    await jobsLeftWaiting();
    const disabled: Target = {
      ...aTarget('b', publisher),
      type: 'slack',
      enabled: false,
      redactedConfig: { name: 'b', type: 'slack', channel: '#ops' },
    };
    engine = await startEngine(ctx.db(), clock, publisher, {
      targets: [aTarget('a', publisher)],
      configured: [aTarget('a', publisher), disabled],
    });
    const stored = await letters();
    assert.equal(stored.length, 3);
    for (const letter of stored) {
      assert.deepEqual(letter, {
        target_name: 'b',
        target_type: 'slack',
        target_config: { name: 'b', type: 'slack', channel: '#ops' },
        error_reason: 'target_removed',
      });
    }
  });

  it('dead-letters a job claimed by a lapsed instance once it is released, and only once', async () => {
    await jobsLeftWaiting();
    // An instance that died holding one job of b, its lease running 10 s past the start. Its
    // job is due a minute later, as after a failed attempt: a job due at once would keep the
    // dispatcher looking for work it cannot claim until the next heartbeat dead-letters it.
    const expires = new Date(clock.now() + 10_000).toISOString();
    await ctx
      .db()
      .query(
        `INSERT INTO publishing_instances (id, lease_expires_at, started_at) VALUES ('ghost', $1, $1)`,
        [expires],
      );
    await ctx.db().query(
      `UPDATE publishing_jobs SET state = 'processing', lease_owner = 'ghost', due_at = $1
       WHERE id = (SELECT id FROM publishing_jobs WHERE target_name = 'b' ORDER BY seq LIMIT 1)`,
      [new Date(clock.now() + 60_000).toISOString()],
    );
    engine = await startEngine(ctx.db(), clock, publisher, {
      targets: [aTarget('a', publisher)],
      logger,
    });
    assert.deepEqual(await statesOf('b'), ['processing', 'dlq', 'dlq']);
    await advanceUntil(clock, 1_000, 'the released job dead-lettered', async () =>
      (await statesOf('b')).every((state) => state === 'dlq'),
    );
    for (let i = 0; i < 3; i += 1) await clock.advance(1_000);
    assert.equal((await letters()).length, 3, 'one letter per job');
    assert.deepEqual(await activeCounts(), { a: 0, b: 0 });
    assert.deepEqual(await reconcileJobCounts(ctx.db()), []);
    assert.ok(
      lines.some((line) => line.includes('"targets":{"b":2},"claimed":["b"]')),
      lines.join('\n'),
    );
  });

  it('dead-letters them once the database answers when it fails at start, nothing lost or doubled', async () => {
    const jobs = cuttable(ctx.db());
    await jobsLeftWaiting(jobs.db);
    jobs.cut = true;
    engine = await startEngine(jobs.db, clock, publisher, {
      targets: [aTarget('a', publisher)],
      logger,
    });
    assert.ok(
      lines.some((line) =>
        line.startsWith(
          'warn: start: dead-lettering the waiting jobs of targets not in the config deferred until the database answers',
        ),
      ),
      lines.join('\n'),
    );
    await clock.advance(3_000);
    jobs.cut = false;
    await advanceUntil(clock, 1_000, 'the jobs of b dead-lettered', async () =>
      (await statesOf('b')).every((state) => state === 'dlq'),
    );
    await advanceUntil(clock, 100, 'the jobs of a delivered', async () =>
      (await statesOf('a')).every((state) => state === 'succeeded'),
    );
    for (let i = 0; i < 3; i += 1) await clock.advance(1_000);
    assert.equal((await letters()).length, 3, 'one letter per job of b');
    assert.equal(publisher.deliveries.length, 2);
    assert.deepEqual(await activeCounts(), { a: 0, b: 0 });
    assert.deepEqual(await reconcileJobCounts(ctx.db()), []);
    assert.equal(
      lines.filter((line) => line.includes('"targets":{"b":3}')).length,
      1,
      lines.join('\n'),
    );
  });
});

/**
 * The database with the jobs table out of reach while `cut`: every statement naming
 * publishing_jobs fails, as it would with the server gone; the instance lease still answers,
 * so the engine starts.
 */
function cuttable(inner: Db): { db: Db; cut: boolean } {
  const state = { cut: false, db: inner };
  const wrap = (db: Db): Db => ({
    kind: db.kind,
    query(text, params, options) {
      if (state.cut && text.includes('publishing_jobs')) {
        return Promise.reject(new Error('connection terminated'));
      }
      return db.query(text, params, options);
    },
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  });
  state.db = wrap(inner);
  return state;
}
