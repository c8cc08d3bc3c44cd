import { ALERT_RESULTS } from '../domain/alert.js';
import { ERROR_TYPES, FAILURE_REASONS } from '../domain/failure.js';
import { PRIORITIES, SUBMISSION_RESULTS } from '../domain/job.js';
import type { Metrics } from './metrics.js';

type CounterMetrics = Pick<Metrics, 'alertsReceived' | 'submissions' | 'attempts' | 'dlqWrites'>;

/**
 * Exposes at 0 every series of the counters the bundled alert rules read with increase()
 * (deploy/prometheus/alert-publisher-rules.yml) whose labels are known before anything
 * happens. prom-client creates a series at its first increment, and increase() over a series
 * first scraped at N counts nothing: a single truncated webhook, or a target's first dead
 * letters, would never fire AlertPublisherAlertsTruncated or AlertPublisherDeadLettersGrowing
 * (docs/metrics.md). Idempotent: an existing series keeps its value.
 *
 * Series: 4 alerts_received + 6 submissions, then per target 13 attempts (success, and failure
 * by each of the 12 reasons) and 3 dlq_writes (by error type).
 */
export function initCounterSeries(metrics: CounterMetrics, targets: Iterable<string>): void {
  for (const result of ALERT_RESULTS) metrics.alertsReceived.inc({ result }, 0);
  for (const priority of PRIORITIES)
    for (const result of SUBMISSION_RESULTS) metrics.submissions.inc({ priority, result }, 0);
  for (const target of targets) {
    metrics.attempts.inc({ target, outcome: 'success', reason: '' }, 0);
    for (const reason of FAILURE_REASONS)
      metrics.attempts.inc({ target, outcome: 'failure', reason }, 0);
    for (const type of ERROR_TYPES) metrics.dlqWrites.inc({ target, error_type: type }, 0);
  }
}
