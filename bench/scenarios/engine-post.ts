/**
 * engine-post: 50 000 jobs through the engine to one webhook target posting to a local HTTP
 * sink in another process, against the raw undici ceiling (a Pool at the same concurrency,
 * same sink, same body). Ratio = engine throughput / raw throughput (goal ≥ 0.8).
 */
import { performance } from 'node:perf_hooks';

import { Registry } from 'prom-client';
import { Pool } from 'undici';

import { systemClockDeps, noopDeadLetters, silentLogger } from '../support/sink-engine.js';
import { startSinkServer } from '../support/sink-server.js';
import { createSinkPublisher } from '../support/sink-undici-publisher.js';
import { formatRate, median, repeat } from '../support/stats.js';
import { anAlert } from '../../test/support/builders.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createPublishingEngine } from '../../src/queue/engine.js';
import { DEFAULT_ENGINE_CONFIG } from '../../src/queue/engine-config.js';
import { DEFAULT_RETRY_POLICY } from '../../src/retry/backoff.js';
import { createJobStatusStore } from '../../src/tracking/job-status-store.js';

const JOBS = 50_000;
const CONCURRENCY = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function raw(url: string, jobs: number): Promise<number> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: CONCURRENCY, pipelining: 1 });
  const alert = anAlert({ severity: 'warning' });
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < jobs) {
      next += 1;
      const body = JSON.stringify({ version: '1', job_id: String(next), target: 'sink', alert });
      const response = await pool.request({
        method: 'POST',
        path: target.pathname,
        headers: { 'content-type': 'application/json' },
        body,
      });
      await response.body.dump();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return jobs / seconds;
}

async function throughEngine(url: string, jobs: number): Promise<number> {
  const publisher = createSinkPublisher(url, CONCURRENCY);
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
          publisher,
          timeoutMs: 10_000,
          retry: DEFAULT_RETRY_POLICY,
          redactedConfig: { url },
        },
      ],
    ]),
    config: {
      ...DEFAULT_ENGINE_CONFIG,
      workers: CONCURRENCY,
      perTargetConcurrency: CONCURRENCY,
      perTargetShare: 1,
      capacity: { high: 500, medium: jobs, low: 500 },
    },
  });
  let finished = 0;
  let failed = 0;
  const done = new Promise<void>((resolve) =>
    engine.onJobFinished((job) => {
      finished += 1;
      if (job.state !== 'succeeded') failed += 1;
      if (finished === jobs) resolve();
    }),
  );
  const base = anAlert({ severity: 'warning' });
  const requests = Array.from({ length: jobs }, (_, i) => ({
    target: 'sink',
    // A given fingerprint: the bench measures delivery, not fingerprinting.
    alert: {
      ...base,
      labels: { ...base.labels, n: String(i) },
      fingerprint: i.toString(16).padStart(16, '0'),
    },
  }));
  const started = performance.now();
  // Alertmanager-sized batches: 100 alerts per submit.
  for (let i = 0; i < jobs; i += 100) {
    const result = engine.submit(requests.slice(i, i + 100));
    if (!result.ok) throw new Error(`submit refused: ${result.code}`);
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  await engine.stop(1_000);
  await publisher.close();
  if (failed > 0) throw new Error(`${failed} jobs did not succeed`);
  return jobs / seconds;
}

export async function run(): Promise<void> {
  const sink = await startSinkServer();
  console.log(
    `config: ${JOBS} jobs, 1 webhook target, concurrency ${CONCURRENCY} (engine workers = ` +
      `per-target concurrency = undici connections), sink: node:http child process, ` +
      `publisher: bench/support/sink-undici-publisher.ts (undici Pool), ${RUNS} runs + warm-up`,
  );
  await raw(sink.url, 5_000);
  await throughEngine(sink.url, 5_000);
  const rawRates: number[] = [];
  const engineRates: number[] = [];
  await repeat(RUNS, async () => {
    rawRates.push(await raw(sink.url, JOBS));
    engineRates.push(await throughEngine(sink.url, JOBS));
  });
  const served = await sink.count();
  await sink.close();
  const rawMedian = median(rawRates);
  const engineMedian = median(engineRates);
  console.log(
    `raw undici:  median ${formatRate(rawMedian)}  (${rawRates.map(formatRate).join(', ')})`,
  );
  console.log(
    `engine:      median ${formatRate(engineMedian)}  (${engineRates.map(formatRate).join(', ')})`,
  );
  console.log(`ratio engine/raw: ${(engineMedian / rawMedian).toFixed(2)} (goal ≥ 0.80)`);
  console.log(`sink served ${served} requests`);
}
