import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Db } from '../../../src/db/db.js';
import type { JobSnapshot } from '../../../src/domain/job.js';
import type { PublishingEngine } from '../../../src/engine/publishing-engine.js';
import { anAlert } from '../../support/builders.js';
import type { FakeClock } from '../../support/fake-clock.js';
import type { ScriptedPublisher } from './support/engine-harness.js';
import { engineSuite } from './support/engine-suite.js';

let db: Db;
let clock: FakeClock;
let publisher: ScriptedPublisher;
let engine: PublishingEngine | undefined;

const startEngine = engineSuite((state) => ({ db, clock, publisher } = state));

const STARTED = '2026-12-07T04:00:00Z';

test('submits that wait for an admission go together, each answered, a superseded job reported once', async () => {
  const lines: Array<{ msg: string; fields: Record<string, unknown> }> = [];
  const record = (fields: object, msg = ''): void => {
    lines.push({ msg, fields: { ...fields } });
  };
  engine = await startEngine(db, clock, publisher, {
    config: { workers: 0 },
    logger: { debug: record, info: record, warn: record, error: record },
  });
  const finished: JobSnapshot[] = [];
  engine.onJobFinished((job) => finished.push(job));
  const first = await engine.submit([
    { alert: anAlert({ n: 'a' }, { startsAt: STARTED }), target: 't0' },
  ]);
  assert.ok(first.ok);
  const [firing] = first.jobIds;

  // The first starts a transaction at once; the other two wait for it and share the next.
  const [held, resolve, other] = await Promise.all([
    engine.submit([{ alert: anAlert({ n: 'x' }), target: 't0' }]),
    engine.submit([
      {
        alert: anAlert({ n: 'a' }, { status: 'resolved', startsAt: STARTED, endsAt: STARTED }),
        target: 't0',
      },
    ]),
    engine.submit([{ alert: anAlert({ n: 'b' }), target: 't0' }]),
  ]);
  assert.ok(held.ok && resolve.ok && other.ok);
  const running = engine;
  const jobs = await Promise.all(
    [...held.jobIds, ...resolve.jobIds, ...other.jobIds].map((id) => running.getJob(id)),
  );
  assert.deepEqual(
    jobs.map((job) => job?.state),
    ['queued', 'queued', 'queued'],
  );
  assert.equal((await engine.getJob(firing ?? ''))?.supersededBy, resolve.jobIds[0]);
  assert.deepEqual(
    finished.filter((job) => job.state === 'superseded').map((job) => job.id),
    [firing],
    'reported once, though two requests were admitted with the resolve',
  );
  assert.deepEqual(
    lines.filter((line) => line.msg === 'job superseded').map((line) => line.fields),
    [
      {
        job_id: firing,
        target: 't0',
        priority: 'medium',
        attempt: 0,
        reason: '',
        duration_ms: 0,
        superseded_by: resolve.jobIds[0],
      },
    ],
    'one line, naming the job that replaced it',
  );
});
