/**
 * engine-post: 50 000 jobs through the engine to one webhook target posting to a local HTTP
 * sink in another process, against the raw undici ceiling (a Pool at the same concurrency,
 * same sink, same body). Ratio = engine throughput / raw throughput (goal ≥ 0.8). Also prints
 * this process's CPU per job, steadier than wall time on a shared machine.
 */
import { performance } from 'node:perf_hooks';

import { Registry } from 'prom-client';

import type { Publisher } from '../../src/domain/publisher.js';
import { systemClockDeps, noopDeadLetters, silentLogger } from '../support/sink-engine.js';
import { createSinkPoster } from '../support/sink-poster.js';
import { startSinkServer } from '../support/sink-server.js';
import { formatRate, median, repeat } from '../support/stats.js';
import { anAlert } from '../../test/support/builders.js';
import { webhookTargetSchema } from '../../src/config/targets.js';
import { createSystemClock } from '../../src/domain/system-clock.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createHttpClient } from '../../src/publishers/http-client.js';
import { createWebhookPublisher } from '../../src/publishers/webhook.js';
import { createPublishingEngine } from '../../src/engine/memory/memory-engine.js';
import type { JobRequest } from '../../src/engine/publishing-engine.js';
import { DEFAULT_ENGINE_CONFIG } from '../../test/support/engine-defaults.js';
import { DEFAULT_RETRY_POLICY } from '../../src/retry/backoff.js';
import { createJobStatusStore } from '../../src/tracking/job-status-store.js';
import { createSecretMask } from '../../src/domain/secret-mask.js';

const JOBS = 50_000;
const CONCURRENCY = 10;
const BACKLOG: 'all' | 'lane' = process.env['BACKLOG'] === 'all' ? 'all' : 'lane';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface Result {
  perSecond: number;
  /** CPU of this process (all threads) per job: steadier than wall time on a busy machine. */
  cpuUsPerJob: number;
}

async function raw(url: string, jobs: number): Promise<Result> {
  const sink = createSinkPoster(url, CONCURRENCY);
  const alert = anAlert({ severity: 'warning' });
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < jobs) {
      next += 1;
      await sink.post(String(next), alert);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await sink.close();
  return { perSecond: jobs / seconds, cpuUsPerJob: (cpu.user + cpu.system) / jobs };
}

/** The webhook publisher alone, called by CONCURRENCY loops: separates its cost from the engine's. */
async function publisherAlone(url: string, jobs: number): Promise<Result> {
  const { publisher, close } = webhookPublisher(url);
  const alert = anAlert({ severity: 'warning' });
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < jobs) {
      next += 1;
      const delivery = {
        jobId: String(next),
        target: 'sink',
        alert,
        priority: 'medium' as const,
        attempt: 1,
      };
      const outcome = await publisher.publish(delivery, new AbortController().signal);
      if (!outcome.ok) throw new Error(outcome.message);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await close();
  return { perSecond: jobs / seconds, cpuUsPerJob: (cpu.user + cpu.system) / jobs };
}

function webhookPublisher(url: string): { publisher: Publisher; close: () => Promise<void> } {
  const http = createHttpClient({ connections: CONCURRENCY });
  const config = webhookTargetSchema.parse({ name: 'sink', type: 'webhook', url });
  const publisher = createWebhookPublisher(config, {
    http,
    clock: createSystemClock(),
    logger: silentLogger,
    mask: createSecretMask([]),
  });
  return { publisher, close: () => http.close() };
}

async function throughEngine(url: string, jobs: number): Promise<Result> {
  const { publisher, close } = webhookPublisher(url);
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
          endpoint: url,
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
      capacity: { high: 500, medium: BACKLOG === 'all' ? jobs : 1_000, low: 500 },
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
  // Alerts are made batch by batch (as they would arrive); the fingerprint is given: the
  // bench measures delivery, not fingerprinting.
  const batch = (from: number): JobRequest[] =>
    Array.from({ length: Math.min(100, jobs - from) }, (_, k) => ({
      target: 'sink',
      alert: {
        ...base,
        labels: { ...base.labels, n: String(from + k) },
        fingerprint: (from + k).toString(16).padStart(16, '0'),
      },
    }));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  // Alertmanager-sized batches of 100 alerts. `all`: every batch at once (a 50 000-job
  // backlog); `lane`: the default medium lane (1 000), refilled as jobs finish, as
  // Alertmanager would after a 503.
  let submitted = 0;
  let refilling = false;
  let refused: unknown;
  const laneCapacity = BACKLOG === 'all' ? jobs : 1000;
  const refill = async (): Promise<void> => {
    if (refilling) return;
    refilling = true;
    try {
      while (submitted < jobs && submitted - finished + 100 <= laneCapacity) {
        const result = await engine.submit(batch(submitted));
        if (!result.ok) throw new Error(`submit refused: ${result.code}`);
        submitted += result.jobIds.length;
      }
    } finally {
      refilling = false;
    }
  };
  if (BACKLOG === 'lane') {
    engine.onJobFinished(() => {
      refill().catch((error: unknown) => {
        refused = error;
      });
    });
  }
  await refill();
  if (submitted < 100) throw new Error('first submit refused');
  await done;
  if (refused !== undefined) throw new Error('a refill was refused', { cause: refused });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await engine.stop(1_000);
  await close();
  if (failed > 0) throw new Error(`${failed} jobs did not succeed`);
  return { perSecond: jobs / seconds, cpuUsPerJob: (cpu.user + cpu.system) / jobs };
}

export async function run(): Promise<void> {
  const sink = await startSinkServer();
  console.log(
    `config: ${JOBS} jobs, 1 webhook target, concurrency ${CONCURRENCY} (engine workers = ` +
      `per-target concurrency = undici connections), sink: node:http child process, ` +
      `publisher: src/publishers/webhook.ts (format webhook, undici Agent), submissions in ` +
      `batches of 100 with ${BACKLOG === 'all' ? 'all 50 000 queued at once (BACKLOG=all)' : 'the default 1 000-job medium lane kept full (BACKLOG=all for one 50 000 backlog)'}, ` +
      `${RUNS} interleaved runs + warm-up`,
  );
  await raw(sink.url, 5_000);
  await throughEngine(sink.url, 5_000);
  const raws: Result[] = [];
  const alone: Result[] = [];
  const engines: Result[] = [];
  await repeat(RUNS, async () => {
    raws.push(await raw(sink.url, JOBS));
    alone.push(await publisherAlone(sink.url, JOBS));
    engines.push(await throughEngine(sink.url, JOBS));
  });
  const served = await sink.count();
  await sink.close();
  const line = (results: Result[]): string =>
    `median ${formatRate(median(results.map((r) => r.perSecond)))} ` +
    `(${results.map((r) => formatRate(r.perSecond)).join(', ')}); ` +
    `CPU ${median(results.map((r) => r.cpuUsPerJob)).toFixed(1)} µs/job`;
  console.log(`raw undici:  ${line(raws)}`);
  console.log(`publisher alone (no engine): ${line(alone)}`);
  console.log(`engine:      ${line(engines)}`);
  const ratio = median(engines.map((r) => r.perSecond)) / median(raws.map((r) => r.perSecond));
  const perRun = engines.map((e, i) => e.perSecond / (raws[i]?.perSecond ?? Number.NaN));
  console.log(
    `ratio engine/raw: ${ratio.toFixed(2)} (goal ≥ 0.80); per interleaved run: ` +
      `${perRun.map((r) => r.toFixed(2)).join(', ')}; median ${median(perRun).toFixed(2)}`,
  );
  const overEngine =
    median(engines.map((r) => r.perSecond)) / median(alone.map((r) => r.perSecond));
  console.log(`ratio engine/publisher alone (engine overhead only): ${overEngine.toFixed(2)}`);
  console.log(`sink served ${served} requests`);
}
