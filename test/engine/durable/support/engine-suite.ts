import { after, afterEach, before, beforeEach } from 'node:test';

import type { Db } from '../../../../src/db/db.js';
import { createFakeClock } from '../../../support/fake-clock.js';
import type { FakeClock } from '../../../support/fake-clock.js';
import { scriptedPublisher } from './engine-harness.js';
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
 * to `onEach`), and after each test every delivery answered and the test's engine stopped.
 */
export function engineSuite(
  onEach: (state: EngineTestState) => void,
  stopEngine: () => Promise<void>,
): void {
  let database: ScratchDatabase | undefined;
  let publisher: ScriptedPublisher | undefined;
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
    await stopEngine();
  });
}
