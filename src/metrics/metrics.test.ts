import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Registry } from 'prom-client';

import { ALERT_RESULTS } from '../domain/alert.js';
import { createMetrics } from './metrics.js';

const EXPECTED: Array<[string, string]> = [
  ['alert_publisher_alerts_received_total', 'counter'],
  ['alert_publisher_submissions_total', 'counter'],
  ['alert_publisher_queue_jobs', 'gauge'],
  ['alert_publisher_queue_capacity', 'gauge'],
  ['alert_publisher_oldest_due_job_age_seconds', 'gauge'],
  ['alert_publisher_queue_wait_seconds', 'histogram'],
  ['alert_publisher_attempts_total', 'counter'],
  ['alert_publisher_attempt_duration_seconds', 'histogram'],
  ['alert_publisher_retries_total', 'counter'],
  ['alert_publisher_jobs_finished_total', 'counter'],
  ['alert_publisher_last_success_timestamp_seconds', 'gauge'],
  ['alert_publisher_target_rate_per_second', 'gauge'],
  ['alert_publisher_workers', 'gauge'],
  ['alert_publisher_workers_busy', 'gauge'],
  ['alert_publisher_circuit_breaker_state', 'gauge'],
  ['alert_publisher_circuit_breaker_transitions_total', 'counter'],
  ['alert_publisher_dlq_writes_total', 'counter'],
  ['alert_publisher_dlq_replays_total', 'counter'],
  ['alert_publisher_dlq_entries', 'gauge'],
  ['alert_publisher_build_info', 'gauge'],
  ['alert_publisher_config_last_reload_successful', 'gauge'],
  ['alert_publisher_config_last_reload_success_timestamp_seconds', 'gauge'],
  ['alert_publisher_database_available', 'gauge'],
];

describe('createMetrics', () => {
  it('registers every SPEC metric with its type on the given registry only', async () => {
    const registry = new Registry();
    createMetrics(registry);
    const text = await registry.metrics();
    for (const [name, type] of EXPECTED)
      assert.match(text, new RegExp(`# TYPE ${name} ${type}\\n`));
    assert.equal(registry.getMetricsAsArray().length, EXPECTED.length);
  });

  it('lists every result of alerts_received_total in its HELP, truncated included', async () => {
    const registry = new Registry();
    createMetrics(registry);
    const help = /# HELP alert_publisher_alerts_received_total (.*)\n/.exec(
      await registry.metrics(),
    );
    for (const result of ALERT_RESULTS)
      assert.match(help?.[1] ?? '', new RegExp(`\\b${result}\\b`));
  });

  it('can be created twice on separate registries', () => {
    createMetrics(new Registry());
    createMetrics(new Registry());
  });

  it('buckets attempt durations from 5 ms to 30 s', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    metrics.attemptDuration.observe({ target: 'audit' }, 0.2);
    const text = await registry.metrics();
    assert.match(text, /attempt_duration_seconds_bucket\{le="0.005",target="audit"\} 0/);
    assert.match(text, /attempt_duration_seconds_bucket\{le="30",target="audit"\} 1/);
  });

  it('runs collect hooks on scrape', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    metrics.onCollect(() => metrics.workersBusy.set(7));
    assert.match(await registry.metrics(), /alert_publisher_workers_busy 7/);
  });
});
