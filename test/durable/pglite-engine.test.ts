import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Registry } from 'prom-client';

import { createDurableEngine } from '../../src/durable/durable-engine.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { DEFAULT_ENGINE_CONFIG } from '../../src/queue/engine-config.js';
import { createFakeClock } from '../support/fake-clock.js';
import { aTarget, scriptedPublisher } from './support/engine-harness.js';
import { waitUntil } from './support/instances.js';
import { submitJobs } from './support/submit.js';
import { pgliteDb } from './support/test-database.js';

test('on PGlite one instance is woken by NOTIFY through its listen API and delivers high, medium, low', async () => {
  const { db, pglite } = await pgliteDb();
  const clock = createFakeClock();
  const publisher = scriptedPublisher();
  publisher.answerAll({ ok: true });
  const quiet = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };
  const engine = await createDurableEngine({
    clock,
    random: () => 0.5,
    logger: quiet,
    metrics: createMetrics(new Registry()),
    targets: new Map([['t0', aTarget('t0', publisher)]]),
    db,
    config: { ...DEFAULT_ENGINE_CONFIG, workers: 1 },
    durable: { instanceId: 'solo', prefetchPerWorker: 0 },
    listen: (channel, onNotify) => pglite.listen(channel, onNotify),
  });
  // Stored by another writer: only the NOTIFY can wake the engine (virtual time stands still).
  await submitJobs(db, 3, { targets: 1, perRequest: 3, nowMs: clock.now() });
  await waitUntil('all delivered', async () => {
    const jobs = await engine.listJobs({ state: 'succeeded' });
    return jobs.length === 3;
  });
  await engine.stop(1_000);
  assert.deepEqual(
    publisher.deliveries.map((d) => d.priority),
    ['high', 'medium', 'low'],
  );
  assert.equal(publisher.deliveries.length, 3);
  await db.close();
});
