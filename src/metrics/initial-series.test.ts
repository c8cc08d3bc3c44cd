import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Registry } from 'prom-client';

import { initCounterSeries } from './initial-series.js';
import { createMetrics } from './metrics.js';

async function seriesOf(registry: Registry, name: string): Promise<string[]> {
  const text = await registry.metrics();
  return text.split('\n').filter((line) => line.startsWith(`${name}{`));
}

describe('initCounterSeries', () => {
  it('exposes every result of alerts_received_total at 0 before any alert', async () => {
    const registry = new Registry();
    initCounterSeries(createMetrics(registry), []);
    assert.deepEqual(await seriesOf(registry, 'alert_publisher_alerts_received_total'), [
      'alert_publisher_alerts_received_total{result="routed"} 0',
      'alert_publisher_alerts_received_total{result="unrouted"} 0',
      'alert_publisher_alerts_received_total{result="rejected"} 0',
      'alert_publisher_alerts_received_total{result="truncated"} 0',
    ]);
    assert.equal((await seriesOf(registry, 'alert_publisher_submissions_total')).length, 6);
  });

  it('exposes dlq_writes_total by error type and attempts_total by reason at 0 per target', async () => {
    const registry = new Registry();
    initCounterSeries(createMetrics(registry), ['hook', 'chat']);
    const writes = await seriesOf(registry, 'alert_publisher_dlq_writes_total');
    assert.equal(writes.length, 6);
    assert.ok(
      writes.includes('alert_publisher_dlq_writes_total{target="hook",error_type="permanent"} 0'),
    );
    const attempts = await seriesOf(registry, 'alert_publisher_attempts_total');
    assert.equal(attempts.length, 26);
    assert.ok(
      attempts.includes(
        'alert_publisher_attempts_total{target="chat",outcome="failure",reason="client_error"} 0',
      ),
    );
    assert.ok(attempts.every((line) => line.endsWith(' 0')));
  });

  it('keeps the count of a series that already moved', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    metrics.dlqWrites.inc({ target: 'hook', error_type: 'transient' }, 3);
    initCounterSeries(metrics, ['hook']);
    assert.ok(
      (await seriesOf(registry, 'alert_publisher_dlq_writes_total')).includes(
        'alert_publisher_dlq_writes_total{target="hook",error_type="transient"} 3',
      ),
    );
  });
});
