import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { stringify } from 'yaml';

import { runTool, toolSkip } from '../support/tools.js';

/** deploy/grafana/alert-publisher.json: well formed, and every query is valid PromQL. */
const FILE = join(import.meta.dirname, '..', '..', 'deploy', 'grafana', 'alert-publisher.json');

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}
const dashboard = JSON.parse(readFileSync(FILE, 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
};
const queryPanels = dashboard.panels.filter((panel) => panel.type !== 'row');
const queries = queryPanels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr));

/** Grafana's variables replaced by values Prometheus accepts. */
function asPromQl(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replace(/"\$[a-z]+"/g, '".*"');
}

describe('the Grafana dashboard', () => {
  it('has unique panel ids, a query per panel, and the data source as a variable', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(dashboard.uid, 'alert-publisher');
    assert.ok(
      dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'),
    );
    for (const panel of queryPanels) {
      assert.ok((panel.targets ?? []).length > 0, `${panel.title} has a query`);
      assert.equal(panel.datasource?.uid, '${datasource}', panel.title);
      for (const target of panel.targets ?? [])
        assert.equal(target.datasource?.uid, '${datasource}');
    }
  });

  it('covers lanes, waits, attempts, breakers, the DLQ and latency per target', () => {
    const all = queries.join('\n');
    for (const series of [
      'alert_publisher_queue_jobs',
      'alert_publisher_queue_wait_seconds_bucket',
      'alert_publisher_oldest_due_job_age_seconds',
      'alert_publisher_attempts_total',
      'alert_publisher_circuit_breaker_state',
      'alert_publisher_dlq_entries',
      'alert_publisher_attempt_duration_seconds_bucket',
    ])
      assert.match(all, new RegExp(series));
  });

  it(
    'counts durable jobs once and sums memory instances (Jobs per lane)',
    { skip: toolSkip('promtool', 'prometheus') },
    async () => {
      const panel = queryPanels.find((p) => p.title === 'Jobs per lane');
      const [jobs = '', capacity = ''] = (panel?.targets ?? []).map((t) => asPromQl(t.expr));
      // Two durable instances report the shared database's 5 jobs; two memory instances their own.
      const series = (mode: string, instance: string, jobsValue: number, capacityValue: number) => [
        {
          series: `alert_publisher_queue_jobs{instance="${instance}", mode="${mode}", priority="high", state="queued"}`,
          values: `${jobsValue}x3`,
        },
        {
          series: `alert_publisher_queue_capacity{instance="${instance}", mode="${mode}", priority="high"}`,
          values: `${capacityValue}x3`,
        },
      ];
      const expect = (queued: number, slots: number) => [
        {
          expr: jobs,
          eval_time: '2m',
          exp_samples: [{ labels: '{priority="high", state="queued"}', value: queued }],
        },
        {
          expr: capacity,
          eval_time: '2m',
          exp_samples: [{ labels: '{priority="high"}', value: slots }],
        },
      ];
      const tests = [
        {
          interval: '1m',
          input_series: [
            ...series('durable', 'ap-0', 5, 100),
            ...series('durable', 'ap-1', 5, 100),
          ],
          promql_expr_test: expect(5, 100),
        },
        {
          interval: '1m',
          input_series: [...series('memory', 'ap-0', 3, 100), ...series('memory', 'ap-1', 4, 100)],
          promql_expr_test: expect(7, 200),
        },
      ];
      const dir = await mkdtemp(join(tmpdir(), 'ap-dashboard-'));
      try {
        const file = join(dir, 'lanes.test.yml');
        writeFileSync(file, stringify({ rule_files: [], evaluation_interval: '1m', tests }));
        const run = runTool('promtool', ['test', 'rules', file]);
        assert.equal(run.status, 0, run.output);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('queries only valid PromQL', { skip: toolSkip('promtool', 'prometheus') }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ap-dashboard-'));
    try {
      const file = join(dir, 'queries.yml');
      const rules = queries.map((expr, i) => ({
        record: `dashboard:query_${i}`,
        expr: asPromQl(expr),
      }));
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const run = runTool('promtool', ['check', 'rules', file]);
      assert.equal(run.status, 0, run.output);
      assert.match(run.output, new RegExp(`SUCCESS: ${queries.length} rules found`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
