import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

import { Registry } from 'prom-client';

import { createMetrics } from '../../src/metrics/metrics.js';

/**
 * Every `alert_publisher_*` series that the alert rules, their tests, the dashboard, the
 * deployment files and the metrics docs name is one the service exposes, and every metric the
 * service exposes is documented.
 */
const ROOT = join(import.meta.dirname, '..', '..');

/** Names of the exposition: each metric, and a histogram's _bucket, _sum and _count series. */
async function exposedSeries(): Promise<Set<string>> {
  const registry = new Registry();
  createMetrics(registry);
  const text = await registry.metrics();
  const names = new Set<string>();
  for (const [, name = '', type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const REFERRING_FILES = [
  ...filesUnder(join(ROOT, 'deploy')),
  join(ROOT, 'docker-compose.yml'),
  join(ROOT, 'docs', 'metrics.md'),
  join(ROOT, 'docs', 'operations.md'),
];

/** name → files naming it. */
function referencedNames(): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const file of REFERRING_FILES) {
    for (const [name] of readFileSync(file, 'utf8').matchAll(
      /\balert_publisher_[a-z0-9_]*[a-z0-9]/g,
    ))
      names.set(name, [...(names.get(name) ?? []), relative(ROOT, file)]);
  }
  return names;
}

describe('metric names in rules, dashboard and docs', () => {
  it('every alert_publisher_* series named is one the service exposes', async () => {
    const exposed = await exposedSeries();
    const unknown = [...referencedNames()]
      .filter(([name]) => !exposed.has(name))
      .map(([name, files]) => `${name} (${[...new Set(files)].join(', ')})`);
    assert.deepEqual(unknown, []);
  });

  it('the rules and dashboard name the main series: none is left out by a typo', () => {
    const named = referencedNames();
    for (const name of [
      'alert_publisher_dlq_entries',
      'alert_publisher_last_success_timestamp_seconds',
      'alert_publisher_circuit_breaker_state',
      'alert_publisher_oldest_due_job_age_seconds',
      'alert_publisher_submissions_total',
      'alert_publisher_attempt_duration_seconds_bucket',
      'alert_publisher_queue_wait_seconds_bucket',
      'alert_publisher_config_last_reload_successful',
    ]) {
      assert.ok(
        (named.get(name) ?? []).some((file) => file.startsWith('deploy')),
        `${name} in deploy/`,
      );
    }
  });

  it('docs/metrics.md lists every metric the service exposes', () => {
    const documented = readFileSync(join(ROOT, 'docs', 'metrics.md'), 'utf8');
    const registry = new Registry();
    createMetrics(registry);
    const missing = registry
      .getMetricsAsArray()
      .map((metric) => metric.name)
      .filter((name) => !documented.includes(`\`${name}\``));
    assert.deepEqual(missing, []);
  });
});
