import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { Db } from '../../../src/db/db.js';
import { attemptsFromJson } from '../../../src/domain/attempt-json.js';
import { eventually } from '../../support/eventually.js';
import { startInstance } from './support/instances.js';
import { startSink } from './support/sink.js';
import type { Sink } from './support/sink.js';
import { submitJobs } from './support/submit.js';
import { migratedScratchDatabase } from './support/scratch-database.js';
import type { ScratchDatabase } from './support/scratch-database.js';

let database: ScratchDatabase;
let db: Db;
let sink: Sink;

before(async () => {
  database = await migratedScratchDatabase(2);
  db = database.db;
  sink = await startSink(1);
});
after(async () => {
  await sink.close();
  await database.drop();
});

test('kill -9 mid-load: every job is delivered, duplicates only among jobs in flight at the kill', async () => {
  const total = 10_000;
  const ids = await submitJobs(db, total, { targets: 4 });
  const env = {
    TEST_DATABASE_URL: database.url,
    SINK_URL: sink.url,
    WORKERS: '32',
    TARGETS: '4',
    PER_TARGET: '8',
    HEARTBEAT_MS: '300',
    LEASE_MS: '5500',
  };
  const first = await startInstance('first', env);
  await eventually('a third of the load delivered', () => sink.records.length >= total / 3);
  await first.kill();
  const inFlight = await db.query<{ id: string }>(
    `SELECT id FROM publishing_jobs WHERE state = 'processing' AND lease_owner = 'first'`,
  );
  const inFlightIds = new Set(inFlight.rows.map((row) => row.id));
  const deliveredBeforeKill = sink.records.length;

  const second = await startInstance('second', env);
  await eventually(
    'every job succeeded',
    async () => {
      const left = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM publishing_jobs WHERE state <> 'succeeded'`,
      );
      return left.rows[0]?.n === 0;
    },
    60_000,
  );
  await second.stop();

  const deliveries = new Map<string, number>();
  for (const record of sink.records) {
    deliveries.set(record.jobId, (deliveries.get(record.jobId) ?? 0) + 1);
  }
  assert.equal(deliveries.size, total, 'every job reached the sink');
  for (const id of ids.keys()) assert.ok(deliveries.has(id), `job ${id} delivered`);
  const duplicates = [...deliveries].filter(([, n]) => n > 1).map(([id]) => id);
  for (const id of duplicates) {
    assert.ok(inFlightIds.has(id), `duplicate ${id} was in flight at the kill`);
  }
  assert.ok(deliveredBeforeKill < total, 'the kill happened mid-load');
  // The attempt each held job was charged is in its history, named as possibly made.
  const held = await db.query<{ id: string; attempts: number; attempt_log: unknown }>(
    `SELECT id, attempts, attempt_log FROM publishing_jobs WHERE id = ANY($1::uuid[])`,
    [[...inFlightIds]],
  );
  for (const row of held.rows) {
    const history = attemptsFromJson(row.attempt_log);
    assert.equal(history.length, row.attempts, `job ${row.id}: every attempt in its history`);
    const lost = history.filter((attempt) => attempt.message?.startsWith('instance first '));
    assert.equal(lost.length, 1, `job ${row.id}: the attempt cut by the kill`);
    assert.equal(lost[0]?.reason, 'shutdown');
  }
  console.log(
    `# crash: ${deliveredBeforeKill} delivered before the kill, ${inFlightIds.size} held by the killed instance, ${duplicates.length} delivered twice`,
  );
});
