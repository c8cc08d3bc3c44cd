/**
 * priority-latency: 100 000 low jobs queued, every worker busy on an in-process sink that
 * answers after a real 1 ms timer, then high jobs submitted one at a time; reports the
 * submit→dispatch wait of the high jobs (goal p99 ≤ 5 ms), plus the submit rate of the
 * 100 000 low jobs.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

import { Registry } from 'prom-client';

import type { Publisher } from '../../src/domain/publisher.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createPublishingEngine } from '../../src/engine/memory/memory-engine.js';
import { DEFAULT_ENGINE_CONFIG } from '../../test/support/engine-defaults.js';
import { DEFAULT_RETRY_POLICY } from '../../src/retry/backoff.js';
import { createJobStatusStore } from '../../src/tracking/job-status-store.js';
import { anAlert } from '../../test/support/builders.js';
import { noopDeadLetters, silentLogger, systemClockDeps } from '../support/sink-engine.js';
import { formatRate, median, percentile, repeat } from '../support/stats.js';

const LOW = 100_000;
const HIGH = 200;
const WORKERS = 10;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);

interface RunResult {
  p50: number;
  p99: number;
  max: number;
  lowSubmitPerSecond: number;
}

async function once(): Promise<RunResult> {
  const submittedAt = new Map<string, number>();
  const waits: number[] = [];
  const sink: Publisher = {
    async publish(delivery) {
      if (delivery.priority === 'high') {
        const at = submittedAt.get(delivery.jobId);
        if (at !== undefined) waits.push(performance.now() - at);
      }
      await delay(1);
      return { ok: true, status: 200 };
    },
    close: () => Promise.resolve(),
  };
  const engine = createPublishingEngine({
    ...systemClockDeps(),
    logger: silentLogger,
    metrics: createMetrics(new Registry()),
    ...noopDeadLetters(),
    statusStore: createJobStatusStore({ capacity: 10_000 }),
    targets: new Map([
      [
        'sink',
        {
          name: 'sink',
          type: 'webhook',
          enabled: true,
          publisher: sink,
          endpoint: 'sink',
          timeoutMs: 10_000,
          retry: DEFAULT_RETRY_POLICY,
          redactedConfig: {},
        },
      ],
    ]),
    config: {
      ...DEFAULT_ENGINE_CONFIG,
      workers: WORKERS,
      perTargetConcurrency: WORKERS,
      perTargetShare: 1,
      capacity: { high: 500, medium: 1000, low: LOW },
    },
  });
  const base = anAlert({ severity: 'info' });
  const lows = Array.from({ length: LOW }, (_, i) => ({
    target: 'sink',
    alert: { ...base, labels: { ...base.labels, n: String(i) }, fingerprint: `l${i}` },
  }));
  const started = performance.now();
  for (let i = 0; i < LOW; i += 1_000) await engine.submit(lows.slice(i, i + 1_000));
  const lowSubmitPerSecond = LOW / ((performance.now() - started) / 1000);
  await delay(20); // every worker busy on low jobs
  const high = anAlert({ severity: 'critical' });
  for (let i = 0; i < HIGH; i += 1) {
    const at = performance.now();
    const result = await engine.submit([
      { target: 'sink', alert: { ...high, fingerprint: `h${i}` } },
    ]);
    if (!result.ok) throw new Error(`submit refused: ${result.code}`);
    submittedAt.set(result.jobIds[0] ?? '', at);
    await delay(2);
  }
  await delay(20);
  await engine.stop(0);
  if (waits.length !== HIGH) throw new Error(`only ${waits.length} of ${HIGH} high jobs ran`);
  return {
    p50: percentile(waits, 50),
    p99: percentile(waits, 99),
    max: percentile(waits, 100),
    lowSubmitPerSecond,
  };
}

export async function run(): Promise<void> {
  console.log(
    `config: ${LOW} low jobs queued (low capacity ${LOW}), ${WORKERS} workers, 1 target ` +
      `(per-target concurrency ${WORKERS}), in-process sink answering after a real 1 ms timer; ` +
      `${HIGH} high jobs submitted one at a time every ~2 ms; ${RUNS} runs + warm-up`,
  );
  await once();
  const results = await repeat(RUNS, () => once());
  const fmt = (ms: number): string => `${ms.toFixed(2)} ms`;
  const p50s = results.map((r) => r.p50);
  const p99s = results.map((r) => r.p99);
  console.log(
    `high submit→dispatch p50: median ${fmt(median(p50s))}  (${p50s.map(fmt).join(', ')})`,
  );
  console.log(
    `high submit→dispatch p99: median ${fmt(median(p99s))}  (${p99s.map(fmt).join(', ')})  ` +
      `goal ≤ 5 ms → ratio to goal ${(median(p99s) / 5).toFixed(2)}`,
  );
  console.log(`high max wait: median ${fmt(median(results.map((r) => r.max)))}`);
  console.log(
    `low submit rate (100 000 jobs, batches of 1 000): median ` +
      `${formatRate(median(results.map((r) => r.lowSubmitPerSecond)))}`,
  );
}
