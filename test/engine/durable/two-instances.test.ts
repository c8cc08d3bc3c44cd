import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { Db } from '../../../src/db/db.js';
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
  sink = await startSink(2);
});
after(async () => {
  await sink.close();
  await database.drop();
});

test('two instances on one database: each job delivered once, never by both at once, high lane first', async () => {
  const total = 3_000;
  const ids = await submitJobs(db, total, { targets: 4 });
  const env = {
    TEST_DATABASE_URL: database.url,
    SINK_URL: sink.url,
    WORKERS: '8',
    TARGETS: '4',
    PER_TARGET: '4',
    // Aging is for starvation; on a slow machine it would legitimately reorder this backlog.
    MAX_WAIT_MEDIUM_MS: '600000',
    MAX_WAIT_LOW_MS: '600000',
  };
  const [a, b] = await Promise.all([startInstance('a', env), startInstance('b', env)]);
  await eventually('every job delivered', () => sink.records.length >= total, 60_000);
  await Promise.all([a.stop(), b.stop()]);

  assert.equal(sink.records.length, total, 'deliveries equal jobs');
  const byJob = new Map(sink.records.map((record) => [record.jobId, record]));
  assert.equal(byJob.size, total, 'no job delivered twice');
  const instances = new Set(sink.records.map((record) => record.instance));
  assert.deepEqual([...instances].sort(), ['a', 'b'], 'both instances delivered');

  // Priority across the cluster: the mean delivery position rises from high to low, and
  // nearly every high job was delivered before the first low one.
  const order = [...sink.records].sort((x, y) => x.startedAt - y.startedAt);
  const mean = (priority: string): number => {
    const positions = order.flatMap((record, i) => (ids.get(record.jobId) === priority ? [i] : []));
    return positions.reduce((sum, p) => sum + p, 0) / positions.length;
  };
  assert.ok(mean('high') < mean('medium') && mean('medium') < mean('low'), 'lanes in order');
  const firstLow = order.findIndex((record) => ids.get(record.jobId) === 'low');
  const highsAfter = order.slice(firstLow).filter((record) => ids.get(record.jobId) === 'high');
  assert.ok(highsAfter.length <= 40, `${highsAfter.length} high jobs after the first low one`);
});
