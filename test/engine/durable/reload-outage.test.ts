import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import type { Db } from '../../../src/db/db.js';
import type { Logger } from '../../../src/domain/clock.js';
import { createPgDb } from '../../../src/db/pg-db.js';
import type { PublishingEngine } from '../../../src/engine/publishing-engine.js';
import { anAlert } from '../../support/builders.js';
import { isPostgresReachable, silentLogger } from '../../support/databases.js';
import { DEFAULT_ENGINE_CONFIG } from '../../support/engine-defaults.js';
import type { FakeClock } from '../../support/fake-clock.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { proxyToTestDatabase, type TcpProxy } from '../../support/tcp-proxy.js';
import {
  advanceUntil,
  aTarget,
  clearDurableTables,
  scriptedPublisher,
  startEngine,
} from './support/engine-harness.js';
import type { ScriptedPublisher } from './support/engine-harness.js';
import { migratedScratchDatabase } from './support/scratch-database.js';
import type { ScratchDatabase } from './support/scratch-database.js';

/**
 * A reload that removes a target while PostgreSQL is cut: the new targets apply at once, and
 * the removed target's waiting jobs become `target_removed` letters once the database is back.
 */
describe('durable engine reload while PostgreSQL is cut', async () => {
  if (!(await isPostgresReachable())) {
    it('needs PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let database: ScratchDatabase;
  let proxy: TcpProxy;
  let viaProxy: Db;
  let clock: FakeClock;
  let publisher: ScriptedPublisher;
  let engine: PublishingEngine | undefined;
  /** Warn and info lines about removed targets' jobs, as `level: message`. */
  let removalLines: string[];
  const logger: Logger = {
    debug: () => undefined,
    info: (_fields, message) => note('info', message),
    warn: (_fields, message) => note('warn', message),
    error: (_fields, message) => note('error', message),
  };
  function note(level: string, message = ''): void {
    if (message.includes('removed targets')) removalLines.push(`${level}: ${message}`);
  }

  before(async () => {
    database = await migratedScratchDatabase();
    proxy = await proxyToTestDatabase();
  });
  after(async () => {
    await proxy.close();
    await database.drop();
  });
  beforeEach(async () => {
    await clearDurableTables(database.db);
    viaProxy = createPgDb(proxy.urlFor(database.url), {
      logger: silentLogger,
      connectTimeoutMs: 1_000,
      queryTimeoutMs: 2_000,
    });
    clock = createFakeClock();
    publisher = scriptedPublisher();
    removalLines = [];
    publisher.answerAll({ ok: false, type: 'transient', reason: 'server_error', message: '500' });
  });
  afterEach(async () => {
    proxy.restore();
    await engine?.stop(1_000);
    engine = undefined;
    await viaProxy.close();
  });

  async function statesOf(target: string): Promise<string[]> {
    const result = await database.db.query<{ state: string }>(
      'SELECT state FROM publishing_jobs WHERE target_name = $1 ORDER BY seq',
      [target],
    );
    return result.rows.map((row) => row.state);
  }

  async function letterReasons(): Promise<string[]> {
    const result = await database.db.query<{ error_reason: string }>(
      'SELECT error_reason FROM publishing_dlq ORDER BY job_id',
    );
    return result.rows.map((row) => row.error_reason);
  }

  /** t0 fails every attempt: three jobs wait for their retry, due in a minute. */
  async function threeRetrying(): Promise<PublishingEngine> {
    const started = await startEngine(viaProxy, clock, publisher, {
      retry: { maxRetries: 10, baseMs: 60_000, jitterMs: 0 },
      logger,
    });
    engine = started;
    const submitted = await started.submit(
      ['1', '2', '3'].map((n) => ({ alert: anAlert({ n }), target: 't0' })),
    );
    assert.ok(submitted.ok);
    await advanceUntil(clock, 100, 'three jobs retrying', async () => {
      const states = await statesOf('t0');
      return states.length === 3 && states.every((state) => state === 'retrying');
    });
    return started;
  }

  it('applies the reload at once and dead-letters every waiting job of the removed target once the database is back', async () => {
    const running = await threeRetrying();
    proxy.cut();
    const next = new Map([['t1', aTarget('t1', scriptedPublisher())]]);
    const summary = await running.reconfigure(next, DEFAULT_ENGINE_CONFIG);
    assert.deepEqual(summary, {
      added: ['t1'],
      removed: ['t0'],
      changed: [],
      deadLettered: 0,
      deadLetterDeferred: ['t0'],
    });
    const refused = await running.submit([{ alert: anAlert({ n: '4' }), target: 't0' }]);
    assert.equal(!refused.ok && refused.code, 'unknown_target', 't0 is gone at once');

    proxy.restore();
    // Past the jobs' due time: none of them may be left waiting for a target that is gone.
    await advanceUntil(clock, 1_000, 'every t0 job dead-lettered', async () =>
      (await statesOf('t0')).every((state) => state === 'dlq'),
    );
    assert.deepEqual(await letterReasons(), ['target_removed', 'target_removed', 'target_removed']);
    assert.equal(running.status().lanes.medium.retrying, 0, 'no lane slot held');

    const again = await running.reconfigure(next, DEFAULT_ENGINE_CONFIG);
    assert.deepEqual(again, {
      added: [],
      removed: [],
      changed: [],
      deadLettered: 0,
      deadLetterDeferred: [],
    });
    assert.equal((await letterReasons()).length, 3, 'nothing dead-lettered twice');
    assert.deepEqual(removalLines, [
      'warn: config reload: dead-lettering the waiting jobs of removed targets deferred until the database answers',
      'info: dead-lettered the waiting jobs of removed targets (deferred at a reload)',
    ]);
  });

  it('leaves the jobs of a removed target waiting when a reload configures it again before the database is back', async () => {
    const running = await threeRetrying();
    proxy.cut();
    const t0 = aTarget('t0', publisher);
    const t1 = aTarget('t1', scriptedPublisher());
    const removed = await running.reconfigure(new Map([['t1', t1]]), DEFAULT_ENGINE_CONFIG);
    assert.deepEqual(removed.deadLetterDeferred, ['t0']);
    const back = await running.reconfigure(
      new Map([
        ['t0', t0],
        ['t1', t1],
      ]),
      DEFAULT_ENGINE_CONFIG,
    );
    assert.deepEqual(back.deadLetterDeferred, [], 'the deferred dead-lettering is called off');

    proxy.restore();
    publisher.answerAll({ ok: true });
    await advanceUntil(clock, 1_000, 'the t0 jobs delivered to t0 again', async () =>
      (await statesOf('t0')).every((state) => state === 'succeeded'),
    );
    assert.deepEqual(await letterReasons(), []);
  });
});
