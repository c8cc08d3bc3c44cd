import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Registry } from 'prom-client';

import { migrate } from '../../../src/db/migrate.js';
import { createPgliteDb } from '../../../src/db/pglite-db.js';
import { createDurableEngine } from '../../../src/engine/durable/durable-engine.js';
import { createMetrics } from '../../../src/metrics/metrics.js';
import { DEFAULT_ENGINE_CONFIG } from '../../support/engine-defaults.js';
import { anAlert } from '../../support/builders.js';
import { silentLogger } from '../../support/databases.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { aTarget, defaultDurableOptions, scriptedPublisher } from './support/engine-harness.js';
import { eventually } from '../../support/eventually.js';

test('on PGlite one instance stores, claims and delivers a request high, medium, low first', async () => {
  const db = await createPgliteDb(undefined);
  await migrate(db, silentLogger);
  const clock = createFakeClock();
  const publisher = scriptedPublisher();
  publisher.answerAll({ ok: true });
  const engine = await createDurableEngine({
    clock,
    random: () => 0.5,
    logger: silentLogger,
    metrics: createMetrics(new Registry()),
    targets: new Map([['t0', aTarget('t0', publisher)]]),
    db,
    config: { ...DEFAULT_ENGINE_CONFIG, workers: 1 },
    durable: { ...defaultDurableOptions(), instanceId: 'solo', prefetchPerWorker: 0 },
  });
  // Virtual time stands still: only the submit's own wake-up can start the deliveries.
  const submitted = await engine.submit(
    (['info', 'warning', 'critical'] as const).map((severity) => ({
      alert: anAlert({ severity }),
      target: 't0',
    })),
  );
  assert.ok(submitted.ok);
  await eventually('all delivered', async () => {
    const jobs = await engine.listJobs({ state: 'succeeded' });
    return jobs.length === 3;
  });
  await engine.stop(1_000);
  assert.deepEqual(
    publisher.deliveries.map((d) => d.priority),
    ['high', 'medium', 'low'],
  );
  await db.close();
});
