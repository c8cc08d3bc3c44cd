import type { Alert, Classification } from '../../src/domain/alert.js';
import { fingerprintOf } from '../../src/domain/fingerprint.js';

/** anAlert({ severity: 'critical' }): extra keys become labels; `status` and `alert` override fields. */
export function anAlert(
  labels: Record<string, string> = {},
  overrides: Partial<Omit<Alert, 'labels'>> = {},
): Alert {
  const allLabels = { alertname: 'HighLatency', instance: 'api-1:9100', ...labels };
  return {
    status: 'firing',
    labels: allLabels,
    annotations: { summary: 'p99 latency above 2s' },
    startsAt: '2026-11-29T10:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.local/graph?g0.expr=up',
    fingerprint: fingerprintOf(allLabels),
    ...overrides,
  };
}

export function aClassification(overrides: Partial<Classification> = {}): Classification {
  return {
    severity: 'warning',
    confidence: 0.9,
    reasoning: 'latency regression after deploy',
    recommendations: ['roll back'],
    ...overrides,
  };
}
