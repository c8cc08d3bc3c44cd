import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Histogram, Registry } from 'prom-client';

import { BucketHistogram } from './bucket-histogram.js';

const CONFIG = {
  name: 'test_duration_seconds',
  help: 'Durations.',
  labelNames: ['target'] as const,
  buckets: [0.005, 0.01, 0.5, 1],
};

/** The same metric twice, as prom-client's Histogram and as a BucketHistogram. */
function pair(): {
  reference: Histogram<'target'>;
  bucket: BucketHistogram<'target'>;
  same: () => Promise<void>;
} {
  const referenceRegistry = new Registry();
  const bucketRegistry = new Registry();
  const reference = new Histogram({
    ...CONFIG,
    labelNames: [...CONFIG.labelNames],
    registers: [referenceRegistry],
  });
  const bucket = new BucketHistogram({ ...CONFIG, registers: [bucketRegistry] });
  const same = async (): Promise<void> => {
    assert.equal(await bucketRegistry.metrics(), await referenceRegistry.metrics());
    assert.deepEqual(
      await bucketRegistry.getMetricsAsJSON(),
      await referenceRegistry.getMetricsAsJSON(),
    );
  };
  return { reference, bucket, same };
}

describe('BucketHistogram', () => {
  it('exposes exactly what prom-client exposes for the same observations', async () => {
    const { reference, bucket, same } = pair();
    await same();
    const values = [0, 0.005, 0.0051, 0.01, 0.2, 0.5, 1, 1.5, 30, -2, 0.1 + 0.2];
    const a = bucket.labels({ target: 'a' });
    const unused = bucket.labels({ target: 'never' });
    for (const value of values) {
      reference.labels({ target: 'a' }).observe(value);
      a.observe(value);
      reference.observe({ target: 'b' }, value * 3);
      bucket.observe({ target: 'b' }, value * 3);
    }
    reference.labels('c').observe(0.7);
    bucket.labels('c').observe(0.7);
    reference.zero({ target: 'd' });
    bucket.zero({ target: 'd' });
    await same();
    assert.equal(unused.count, 0);
  });

  it('keeps prom-client’s order and values through remove, zero and reset', async () => {
    const { reference, bucket, same } = pair();
    const a = bucket.labels({ target: 'a' });
    for (const target of ['a', 'b']) {
      reference.observe({ target }, 0.3);
      bucket.observe({ target }, 0.3);
    }
    reference.remove({ target: 'a' });
    bucket.remove({ target: 'a' });
    await same();
    reference.labels({ target: 'a' }).observe(2);
    a.observe(2);
    reference.zero({ target: 'b' });
    bucket.zero({ target: 'b' });
    await same();
    reference.reset();
    bucket.reset();
    await same();
    reference.labels({ target: 'a' }).observe(0.001);
    a.observe(0.001);
    await same();
  });

  it('rejects what prom-client rejects: a value that is not finite, an unknown label', () => {
    const { bucket } = pair();
    assert.throws(() => bucket.labels({ target: 'a' }).observe(Number.NaN), TypeError);
    assert.throws(() => bucket.observe({ target: 'a' }, Number.POSITIVE_INFINITY), TypeError);
    const unknownLabel: Record<string, string> = { target: 'a', other: 'x' };
    assert.throws(() => bucket.observe(unknownLabel, 1), /"other" is not included/);
  });
});
