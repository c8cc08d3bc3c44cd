import assert from 'node:assert/strict';
import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { parse } from 'yaml';

import { renderChart } from '../support/helm-chart.js';

/**
 * The chart's PrometheusRule (prometheusRule.enabled) holds deploy/prometheus's rules file
 * itself: the chart reads it through files/, a symbolic link Helm follows, never a copy.
 */
const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');
const CHART = join(DEPLOY, 'helm', 'alert-publisher');
const RULES = join(DEPLOY, 'prometheus', 'alert-publisher-rules.yml');

describe("the Helm chart's PrometheusRule", () => {
  it('is off by default', () => {
    const kinds = renderChart(CHART).manifests.map((m) => m.kind);
    assert.equal(kinds.includes('PrometheusRule'), false, kinds.join(', '));
  });

  it('renders the rules file of deploy/prometheus, with the labels asked for', () => {
    const chart = renderChart(CHART, {
      prometheusRule: { enabled: true, labels: { release: 'prometheus' } },
    });
    const rule = chart.one('PrometheusRule');
    assert.equal(rule['apiVersion'], 'monitoring.coreos.com/v1');
    assert.equal(rule.metadata.name, 'alert-publisher');
    assert.equal(rule.metadata.labels?.['release'], 'prometheus');
    assert.equal(rule.metadata.labels?.['app.kubernetes.io/name'], 'alert-publisher');
    assert.deepEqual(rule['spec'], parse(readFileSync(RULES, 'utf8')));
  });

  it('reads the rules through a link to deploy/prometheus, so no copy can drift', () => {
    const link = join(CHART, 'files', 'alert-publisher-rules.yml');
    assert.ok(lstatSync(link).isSymbolicLink(), `${link} is a symbolic link, not a copy`);
    assert.equal(realpathSync(link), realpathSync(RULES));
  });
});
