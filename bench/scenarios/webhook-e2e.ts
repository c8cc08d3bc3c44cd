/**
 * webhook-e2e: Alertmanager payloads of 100 alerts POSTed to /webhook of the real server
 * (in-process: Fastify, validation, routing, engine, the real webhook publisher and HTTP
 * client), one webhook target, a local sink in another process. Compared with the raw undici
 * ceiling measured in the same run (a Pool at the same concurrency posting the same kind of
 * body to the same sink). Ratio = service deliveries/s ÷ raw requests/s (goal ≥ 0.5).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { pino } from 'pino';

import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createScratchDatabase, isPostgresReachable } from '../../test/support/databases.js';
import { alertmanagerPayloads, benchAlert, sendPayloads } from '../support/alertmanager-sender.js';
import { serviceConfigYaml } from '../support/service-config.js';
import type { ServiceSettings } from '../support/service-config.js';
import { createSinkPoster } from '../support/sink-poster.js';
import { startSinkServer } from '../support/sink-server.js';
import { formatRate, median, repeat } from '../support/stats.js';

const ALERTS = 20_000;
const BATCH = 100;
const CONCURRENCY = 16;
const POSTERS = 4;
const RUNS = 5;

/** The same number of jobs POSTed straight to the sink, as the peers' handler does. */
async function raw(url: string, count: number): Promise<number> {
  const sink = createSinkPoster(url, CONCURRENCY);
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      await sink.post(String(next), benchAlert(0, next));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const seconds = (performance.now() - started) / 1000;
  await sink.close();
  return count / seconds;
}

let peakServiceRss = 0;

/** One run through the service: alerts a second, and CPU of the bench process (the service
 * and its senders) per alert. */
interface ServiceRun {
  perSecond: number;
  cpuUsPerAlert: number;
}

async function throughService(
  sinkUrl: string,
  databaseUrl: string,
  run: number,
  count: number,
): Promise<ServiceRun> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ap-bench-'));
  const settings: ServiceSettings = {
    mode: 'memory',
    sinkUrl,
    dataDir,
    databaseUrl,
    workers: CONCURRENCY,
    mediumCapacity: ALERTS,
  };
  const config = parseConfig(serviceConfigYaml(settings, 0), { env: {}, source: 'bench' });
  const app = await createApp({ config, logger: pino({ level: 'warn' }), version: 'bench' });
  const base = new URL(await app.listen(0));
  let finished = 0;
  let failed = 0;
  const done = new Promise<void>((resolve) =>
    app.engine.onJobFinished((job) => {
      finished += 1;
      if (job.state !== 'succeeded') failed += 1;
      if (finished === count) resolve();
    }),
  );
  const bodies = alertmanagerPayloads(run, count, BATCH);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await sendPayloads(base.origin, bodies, POSTERS);
  await done;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  peakServiceRss = Math.max(peakServiceRss, process.memoryUsage().rss);
  await app.stop();
  await rm(dataDir, { recursive: true, force: true });
  if (failed > 0) throw new Error(`${failed} jobs did not succeed`);
  return { perSecond: count / seconds, cpuUsPerAlert: (cpu.user + cpu.system) / count };
}

export async function run(): Promise<void> {
  const sink = await startSinkServer();
  // PostgreSQL when reachable (a scratch database); else the embedded PGlite (bench footprint).
  const scratch = (await isPostgresReachable()) ? await createScratchDatabase() : undefined;
  const databaseUrl = scratch?.url ?? '';
  console.log(
    `config: ${ALERTS} alerts as ${ALERTS / BATCH} Alertmanager payloads of ${BATCH}, ${POSTERS} ` +
      `concurrent posters, 1 webhook target, workers = per-target concurrency = raw undici ` +
      `connections = ${CONCURRENCY}, memory mode, DLQ on ${scratch === undefined ? 'PGlite' : 'PostgreSQL'}, sink: node:http child ` +
      `process, ${RUNS} runs + warm-up`,
  );
  await raw(sink.url, 2_000);
  await throughService(sink.url, databaseUrl, -1, 2_000);
  const rawRates: number[] = [];
  const serviceRuns: ServiceRun[] = [];
  await repeat(RUNS, async (index) => {
    rawRates.push(await raw(sink.url, ALERTS));
    serviceRuns.push(await throughService(sink.url, databaseUrl, index, ALERTS));
  });
  await sink.close();
  await scratch?.drop();
  const rawMedian = median(rawRates);
  const serviceRates = serviceRuns.map((r) => r.perSecond);
  const serviceCpuUsPerAlert = serviceRuns.map((r) => r.cpuUsPerAlert);
  const serviceMedian = median(serviceRates);
  console.log(
    `raw undici ceiling: median ${formatRate(rawMedian)} (runs ${rawRates.map(formatRate).join(', ')})`,
  );
  console.log(
    `service /webhook → delivered: median ${formatRate(serviceMedian)} (runs ${serviceRates.map(formatRate).join(', ')})`,
  );
  console.log(`ratio service/raw: ${(serviceMedian / rawMedian).toFixed(2)} (goal ≥ 0.5)`);
  console.log(
    `CPU of the service and its senders: median ${median(serviceCpuUsPerAlert).toFixed(1)} µs/alert ` +
      `(runs ${serviceCpuUsPerAlert.map((us) => us.toFixed(1)).join(', ')})`,
  );
  const mib = (bytes: number): string => `${Math.round(bytes / 1_048_576)} MiB`;
  console.log(
    `RSS of the bench process (server in-process) at the end of a run: max ${mib(peakServiceRss)}; ` +
      `peak over the whole bench ${mib(process.resourceUsage().maxRSS * 1024)}`,
  );
}
