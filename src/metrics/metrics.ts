import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

import { ALERT_RESULTS } from '../domain/alert.js';

/** attempt_duration buckets: 5 ms … 30 s. */
export const ATTEMPT_DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;
/** queue_wait buckets: 1 ms … 10 min (aging bounds are 10 s and 60 s). */
export const QUEUE_WAIT_BUCKETS_S = [
  0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
] as const;

/** Every metric of docs/metrics.md, on an injected registry. Labels come only from bounded sets. */
export interface Metrics {
  alertsReceived: Counter<'result'>;
  submissions: Counter<'priority' | 'result'>;
  /** `mode` (QueueMode): durable mode's queue gauges count the shared database's jobs. */
  queueJobs: Gauge<'priority' | 'state' | 'mode'>;
  queueCapacity: Gauge<'priority' | 'mode'>;
  oldestDueJobAge: Gauge<'priority' | 'mode'>;
  queueWait: Histogram<'priority'>;
  attempts: Counter<'target' | 'outcome' | 'reason'>;
  attemptDuration: Histogram<'target'>;
  retries: Counter<'target' | 'error_type'>;
  jobsFinished: Counter<'target' | 'state'>;
  lastSuccess: Gauge<'target'>;
  targetRate: Gauge<'target'>;
  workers: Gauge;
  workersBusy: Gauge;
  circuitBreakerState: Gauge<'target'>;
  circuitBreakerTransitions: Counter<'target' | 'to'>;
  dlqWrites: Counter<'target' | 'error_type'>;
  dlqReplays: Counter<'result'>;
  dlqEntries: Gauge<'replayed'>;
  buildInfo: Gauge<'version'>;
  configLastReloadSuccessful: Gauge;
  configLastReloadSuccessTimestamp: Gauge;
  databaseAvailable: Gauge;
  /**
   * Registers a function run when metrics computed or buffered by the engine are collected:
   * the gauges queue_jobs, oldest_due_job_age_seconds, workers_busy and the counters
   * attempts_total and jobs_finished_total and the gauge last_success_timestamp_seconds
   * (the engine buffers their per-job updates).
   * Hooks must be cheap: each of those metrics runs them once per scrape.
   */
  onCollect(hook: () => void): void;
}

export function createMetrics(registry: Registry): Metrics {
  const hooks: Array<() => void> = [];
  const collect = (): void => {
    for (const hook of hooks) hook();
  };
  const registers = [registry];
  const p = 'alert_publisher_';
  return {
    alertsReceived: new Counter({
      name: `${p}alerts_received_total`,
      help: `Alerts received, by result: ${ALERT_RESULTS.join(', ')}.`,
      labelNames: ['result'],
      registers,
    }),
    submissions: new Counter({
      name: `${p}submissions_total`,
      help: 'Jobs offered for admission, by priority and result: accepted, rejected.',
      labelNames: ['priority', 'result'],
      registers,
    }),
    queueJobs: new Gauge({
      name: `${p}queue_jobs`,
      help: 'Jobs counted against their lane, by priority and state: queued, retrying, failed; mode durable: of the whole database.',
      labelNames: ['priority', 'state', 'mode'],
      registers,
      collect,
    }),
    queueCapacity: new Gauge({
      name: `${p}queue_capacity`,
      help: 'Capacity of each lane; mode durable: of the whole database.',
      labelNames: ['priority', 'mode'],
      registers,
    }),
    oldestDueJobAge: new Gauge({
      name: `${p}oldest_due_job_age_seconds`,
      help: 'How long the oldest job due for dispatch has waited, by lane (shows starvation); mode durable: of the whole database.',
      labelNames: ['priority', 'mode'],
      registers,
      collect,
    }),
    queueWait: new Histogram({
      name: `${p}queue_wait_seconds`,
      help: 'Time from a job becoming due to its attempt starting.',
      labelNames: ['priority'],
      buckets: [...QUEUE_WAIT_BUCKETS_S],
      registers,
    }),
    attempts: new Counter({
      name: `${p}attempts_total`,
      help: 'Delivery attempts, by target, outcome (success, failure) and reason ("" on success).',
      labelNames: ['target', 'outcome', 'reason'],
      registers,
      collect,
    }),
    attemptDuration: new Histogram({
      name: `${p}attempt_duration_seconds`,
      help: 'Duration of delivery attempts.',
      labelNames: ['target'],
      buckets: [...ATTEMPT_DURATION_BUCKETS_S],
      registers,
    }),
    retries: new Counter({
      name: `${p}retries_total`,
      help: 'Retries scheduled, by target and error type.',
      labelNames: ['target', 'error_type'],
      registers,
    }),
    jobsFinished: new Counter({
      name: `${p}jobs_finished_total`,
      help: 'Jobs finished, by target and state: succeeded, dlq, superseded.',
      labelNames: ['target', 'state'],
      registers,
      collect,
    }),
    lastSuccess: new Gauge({
      name: `${p}last_success_timestamp_seconds`,
      help: 'When an attempt to the target last succeeded (Unix time); absent until one has.',
      labelNames: ['target'],
      registers,
      collect,
    }),
    targetRate: new Gauge({
      name: `${p}target_rate_per_second`,
      help: 'Attempts a second a target may get now: its rate_limit, throttled on 429 (absent when unlimited).',
      labelNames: ['target'],
      registers,
      collect,
    }),
    workers: new Gauge({ name: `${p}workers`, help: 'Worker slots.', registers }),
    workersBusy: new Gauge({
      name: `${p}workers_busy`,
      help: 'Workers running an attempt.',
      registers,
      collect,
    }),
    circuitBreakerState: new Gauge({
      name: `${p}circuit_breaker_state`,
      help: 'Circuit breaker state per target: 0 closed, 1 half-open, 2 open.',
      labelNames: ['target'],
      registers,
    }),
    circuitBreakerTransitions: new Counter({
      name: `${p}circuit_breaker_transitions_total`,
      help: 'Circuit breaker transitions, by target and new state.',
      labelNames: ['target', 'to'],
      registers,
    }),
    dlqWrites: new Counter({
      name: `${p}dlq_writes_total`,
      help: 'Dead letters stored, by target and error type.',
      labelNames: ['target', 'error_type'],
      registers,
    }),
    dlqReplays: new Counter({
      name: `${p}dlq_replays_total`,
      help: 'DLQ replays, by result.',
      labelNames: ['result'],
      registers,
    }),
    dlqEntries: new Gauge({
      name: `${p}dlq_entries`,
      help: 'Entries in the DLQ, by replayed: false = waiting for an operator, true = replayed (kept until retention).',
      labelNames: ['replayed'],
      registers,
    }),
    buildInfo: new Gauge({
      name: `${p}build_info`,
      help: 'Build information; always 1.',
      labelNames: ['version'],
      registers,
    }),
    configLastReloadSuccessful: new Gauge({
      name: `${p}config_last_reload_successful`,
      help: 'Whether the last configuration reload succeeded (1) or was refused (0).',
      registers,
    }),
    configLastReloadSuccessTimestamp: new Gauge({
      name: `${p}config_last_reload_success_timestamp_seconds`,
      help: 'When the configuration was last loaded successfully (start or reload, Unix time).',
      registers,
    }),
    databaseAvailable: new Gauge({
      name: `${p}database_available`,
      help: 'Whether the last statement reached the database (1) or failed as an outage (0).',
      registers,
    }),
    onCollect(hook) {
      hooks.push(hook);
    },
  };
}
