import assert from 'node:assert/strict';
import { test } from 'node:test';

import { durableOptionsOf } from '../../../src/engine-options.js';
import { ConfigError } from '../../../src/config/config-error.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { laneCapacityOf } from '../../../src/config/schema.js';

const parse = (text: string) => parseConfig(text, { env: {}, source: 'test' });

test('queue.durable maps to engine settings in milliseconds; a lease of 0 is derived from the longest timeout', () => {
  const config = parse('queue:\n  mode: durable\n  durable: { heartbeat: 2s, retention: 1h }\n');
  assert.deepEqual(durableOptionsOf(config), {
    heartbeatMs: 2_000,
    pollMs: 2_000,
    prefetchPerWorker: 1,
    completionBatch: 500,
    retentionMs: 3_600_000,
    purgeIntervalMs: 60_000,
    purgeBatch: 1_000,
    leaseMs: 6_000,
  });
  const derived = parse(
    'queue:\n  mode: durable\n  durable: { heartbeat: 2s }\ntargets:\n  - { name: a, type: log, timeout: 40s }\n',
  );
  assert.equal(durableOptionsOf(derived).leaseMs, 46_000);
  const leased = parse('queue:\n  durable: { lease: 90s }\n');
  assert.equal(durableOptionsOf(leased).leaseMs, 90_000);
});

test('a bad queue.durable value is an error naming its key path', () => {
  assert.throws(
    () => parse('queue:\n  durable: { completion_batch: 5000, heartbeat: 0s, extra: 1 }\n'),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const paths = error.problems.map((p) => p.path).sort();
      assert.deepEqual(paths, [
        'queue.durable.completion_batch',
        'queue.durable.extra',
        'queue.durable.heartbeat',
      ]);
      return true;
    },
  );
});

test('durable lanes default to ten times the memory lanes; a configured size stays as given', () => {
  assert.deepEqual(laneCapacityOf(parse('queue:\n  mode: durable\n').queue), {
    high: 5_000,
    medium: 10_000,
    low: 5_000,
  });
  assert.deepEqual(laneCapacityOf(parse('queue:\n  mode: memory\n').queue), {
    high: 500,
    medium: 1_000,
    low: 500,
  });
  assert.deepEqual(
    laneCapacityOf(parse('queue:\n  mode: durable\n  capacity: { medium: 300 }\n').queue),
    {
      high: 5_000,
      medium: 300,
      low: 5_000,
    },
  );
});
