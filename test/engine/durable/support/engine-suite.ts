import { after, afterEach, before, beforeEach } from 'node:test';

import type { Db } from '../../../../src/db/db.js';
import { createFakeClock } from '../../../support/fake-clock.js';
import type { FakeClock } from '../../../support/fake-clock.js';
import type { PublishingEngine } from '../../../../src/engine/publishing-engine.js';
import { scriptedPublisher, startEngine } from './engine-harness.js';
import type { ScriptedPublisher } from './engine-harness.js';
import { migratedScratchDatabase } from './scratch-database.js';
import type { ScratchDatabase } from './scratch-database.js';

/** What each test of a durable-engine file starts from. */
export interface EngineTestState {
  db: Db;
  clock: FakeClock;
  publisher: ScriptedPublisher;
}

/**
 * The hooks of a durable-engine test file: one migrated scratch database for the file, its job
 * tables emptied before each test, a fresh fake clock and scripted publisher per test (handed
 * to `onEach`), and after each test every delivery answered and every engine the test started
 * stopped. Returns the harness's startEngine, keeping the engines it starts for that.
 */
export function engineSuite(onEach: (state: EngineTestState) => void): typeof startEngine {
  let database: ScratchDatabase | undefined;
  let publisher: ScriptedPublisher | undefined;
  let started: PublishingEngine[] = [];
  before(async () => {
    database = await migratedScratchDatabase(4);
  });
  after(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    if (database === undefined) throw new Error('no scratch database');
    await database.db.query(
      'TRUNCATE publishing_jobs, publishing_job_counts, publishing_dlq, publishing_instances',
    );
    publisher = scriptedPublisher();
    onEach({ db: database.db, clock: createFakeClock(), publisher });
  });
  afterEach(async () => {
    publisher?.answerAll({ ok: true });
    for (const engine of started) await engine.stop(1_000);
    started = [];
  });
  return async (...args) => {
    const engine = await startEngine(...args);
    started.push(engine);
    return engine;
  };
}
