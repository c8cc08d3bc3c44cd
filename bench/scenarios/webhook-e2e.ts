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
import { setTimeout as sleep } from 'node:timers/promises';

import { pino } from 'pino';
import { Pool } from 'undici';

import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/load-config.js';
import { anAlert } from '../../test/support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../../test/support/databases.js';
import { startSinkServer } from '../support/sink-server.js';
import { formatRate, median, repeat } from '../support/stats.js';

const ALERTS = 20_000;
const BATCH = 100;
const CONCURRENCY = 16;
const POSTERS = 4;
const RUNS = 5;

async function raw(url: string, count: number): Promise<number> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: CONCURRENCY, pipelining: 1 });
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const alert = anAlert({ severity: 'warning', n: String(next) });
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
  return count / seconds;
}

function configYaml(sinkUrl: string, dataDir: string, databaseUrl: string): string {
  return `
server: { host: 127.0.0.1, port: 0, body_limit: 4MiB }
storage: { data_dir: "${dataDir}", database_url: "${databaseUrl}" }
queue:
  workers: ${CONCURRENCY}
  per_target_concurrency: ${CONCURRENCY}
  per_target_share: 1
  capacity: { high: 500, medium: ${ALERTS}, low: 500 }
log: { level: warn }
targets:
  - name: sink
    type: webhook
    url: "${sinkUrl}"
`;
}

function payloads(run: number, count: number): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < count; i += BATCH) {
    const alerts = Array.from({ length: Math.min(BATCH, count - i) }, (_, k) =>
      anAlert({ severity: 'warning', run: String(run), n: String(i + k) }),
    );
    bodies.push(JSON.stringify({ version: '4', status: 'firing', receiver: 'ap', alerts }));
  }
  return bodies;
}

let peakServiceRss = 0;

async function throughService(
  sinkUrl: string,
  databaseUrl: string,
  run: number,
  count: number,
): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ap-bench-'));
  const yaml = configYaml(sinkUrl, dataDir, databaseUrl);
  const config = parseConfig(yaml, { env: {}, source: 'bench' });
  const app = await createApp({ config, logger: pino({ level: 'warn' }), version: 'bench' });
  const base = new URL(await app.listen(0));
  const client = new Pool(base.origin, { connections: POSTERS });
  let finished = 0;
  let failed = 0;
  const done = new Promise<void>((resolve) =>
    app.engine.onJobFinished((job) => {
      finished += 1;
      if (job.state !== 'succeeded') failed += 1;
      if (finished === count) resolve();
    }),
  );
  const bodies = payloads(run, count);
  let next = 0;
  const started = performance.now();
  const poster = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next];
      next += 1;
      for (;;) {
        const response = await client.request({
          method: 'POST',
          path: '/webhook',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await response.body.dump();
        if (response.statusCode === 202) break;
        if (response.statusCode !== 503)
          throw new Error(`/webhook answered ${response.statusCode}`);
        await sleep(20);
      }
    }
  };
  await Promise.all(Array.from({ length: POSTERS }, poster));
  await done;
  const seconds = (performance.now() - started) / 1000;
  peakServiceRss = Math.max(peakServiceRss, process.memoryUsage().rss);
  await client.close();
  await app.stop();
  await rm(dataDir, { recursive: true, force: true });
  if (failed > 0) throw new Error(`${failed} jobs did not succeed`);
  return count / seconds;
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
  const serviceRates: number[] = [];
  await repeat(RUNS, async (index) => {
    rawRates.push(await raw(sink.url, ALERTS));
    serviceRates.push(await throughService(sink.url, databaseUrl, index, ALERTS));
  });
  await sink.close();
  await scratch?.drop();
  const rawMedian = median(rawRates);
  const serviceMedian = median(serviceRates);
  console.log(
    `raw undici ceiling: median ${formatRate(rawMedian)} (runs ${rawRates.map(formatRate).join(', ')})`,
  );
  console.log(
    `service /webhook → delivered: median ${formatRate(serviceMedian)} (runs ${serviceRates.map(formatRate).join(', ')})`,
  );
  console.log(`ratio service/raw: ${(serviceMedian / rawMedian).toFixed(2)} (goal ≥ 0.5)`);
  const mib = (bytes: number): string => `${Math.round(bytes / 1_048_576)} MiB`;
  console.log(
    `RSS of the bench process (server in-process) at the end of a run: max ${mib(peakServiceRss)}; ` +
      `peak over the whole bench ${mib(process.resourceUsage().maxRSS * 1024)}`,
  );
}
