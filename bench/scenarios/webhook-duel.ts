/**
 * webhook-duel: the service against its peers (issue #13), interleaved in one run on one sink
 * process. Each round runs every contender once, in an order rotated by one each round:
 * - memory, durable: the service (`src/main.ts` serve, YAML config, a fresh PostgreSQL database
 *   per round) receiving the jobs as Alertmanager payloads of 100 alerts POSTed to /webhook by 4
 *   concurrent senders, one webhook target (format webhook) at the sink, workers =
 *   per_target_concurrency = 50; clock from the first request to the sink's last delivery;
 * - bullmq: BullMQ 5.81.5 on Redis, the jobs pre-filled, drained by a Worker at concurrency 50;
 * - graphile: graphile-worker 0.17.3, batched (localQueue size 200, completeJobBatchDelay and
 *   failJobBatchDelay 0, pool 10), the jobs pre-filled in a fresh database, concurrency 50;
 *   the peers' handler POSTs the service's webhook body to the sink over undici (a Pool of 50);
 *   the worker is started with its handler held at a gate; clock from opening the gate to the
 *   sink's last delivery (start-up not counted; the first fetch, at most 50 active jobs in
 *   BullMQ or a local queue of 200 in graphile-worker, is made before).
 * CPU per delivered job over that window: the contender's own process (/proc/<pid>/stat),
 * PostgreSQL's backends for the round's database and its background processes, Redis, the
 * sink. Peak memory sampled every 200 ms: resident set of each process, anonymous (private)
 * memory summed over PostgreSQL's processes. Peers: bench/peers/ (installed on first use).
 * Goals: durable ÷ graphile-worker ≥ 1.0, memory ÷ BullMQ ≥ 2.0.
 * Env: DUEL_JOBS (20000), DUEL_ROUNDS (5: 4.5 minutes at load 10-16, 3 rounds for less),
 * DUEL_ONLY (comma list of memory,bullmq,durable,graphile), DUEL_CONCURRENCY (50),
 * DUEL_CPU_PROF (a directory: V8 CPU profiles of the service processes), REDIS_URL,
 * TEST_DATABASE_URL.
 * Measured on main at 64a8d97 (5 rounds, load 10-16; medians, ranges): memory 4 806/s
 * (3 619-6 368) vs BullMQ 3 247/s (1 753-4 206) = 1.48, by CPU per job 1.96; durable 2 363/s
 * (1 614-3 238) vs graphile-worker 3 205/s (2 234-4 207) = 0.74, by CPU per job 0.55. CPU
 * µs/job: memory 92; durable 159 + PostgreSQL 122; BullMQ 123 + Redis 59; graphile-worker 102 +
 * PostgreSQL 48; sink 28-42 for all. Peak RSS: memory 216 MiB, durable 242, BullMQ 157,
 * graphile-worker 161. Before the engine restructure: docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createPgDb } from '../../src/db/pg-db.js';
import { TEST_DATABASE_URL, silentLogger } from '../../test/support/databases.js';
import { CONTENDERS, CONTENDER_KEYS } from '../support/duel-contenders.js';
import type { Contender, ContenderKey, DuelSettings } from '../support/duel-contenders.js';
import { oneProcess, watchProcesses } from '../support/process-usage.js';
import type { GroupUsage } from '../support/process-usage.js';
import { startSinkServer } from '../support/sink-server.js';
import type { SinkServer } from '../support/sink-server.js';
import { formatRate, median } from '../support/stats.js';

const JOBS = Number(process.env['DUEL_JOBS'] ?? '20000');
const ROUNDS = Number(process.env['DUEL_ROUNDS'] ?? '5');
const CONCURRENCY = Number(process.env['DUEL_CONCURRENCY'] ?? '50');
const ONLY = process.env['DUEL_ONLY'] ?? CONTENDER_KEYS.join(',');
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const BATCH = 100;
const SENDERS = 4;
const ROUND_TIMEOUT_MS = 300_000;
const PEERS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../peers');

interface Measured {
  key: ContenderKey;
  rate: number;
  usage: GroupUsage[];
}

function chosenContenders(): Contender[] {
  const keys = ONLY.split(',').filter((key) => key !== '');
  return CONTENDER_KEYS.filter((key) => keys.includes(key)).map((key) => CONTENDERS[key]);
}

/** The peers have their own package.json: installed here on first use, never by `npm ci`. */
function ensurePeersInstalled(): void {
  if (existsSync(join(PEERS_DIR, 'node_modules'))) return;
  console.log('installing the peers: npm ci --prefix bench/peers');
  const npm = spawnSync(
    'npm',
    ['ci', '--prefix', PEERS_DIR, '--ignore-scripts', '--no-audit', '--no-fund'],
    { stdio: 'inherit' },
  );
  if (npm.status !== 0) throw new Error(`npm ci --prefix bench/peers exited with ${npm.status}`);
}

/** PING answered by PONG: a BullMQ worker would otherwise wait for Redis without end. */
function assertRedisReachable(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port || 6379), hostname);
    socket.setTimeout(2_000, () => socket.destroy(new Error(`no answer from Redis at ${url}`)));
    socket.once('error', (error) =>
      reject(new Error(`Redis unreachable at ${url}`, { cause: error })),
    );
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.end();
      if (data.toString().startsWith('+PONG')) resolve();
      else reject(new Error(`Redis at ${url} answered ${data.toString().trim()}`));
    });
  });
}

async function withinTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no end within ${ROUND_TIMEOUT_MS} ms`)),
      ROUND_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function measure(
  contender: Contender,
  round: number,
  settings: DuelSettings,
  sink: SinkServer,
): Promise<Measured> {
  const prepared = await contender.prepare(round, settings);
  try {
    const target = (await sink.count()) + settings.jobs;
    const watch = await watchProcesses([...prepared.groups, oneProcess('sink', sink.pid)]);
    const started = performance.now();
    const delivered = sink.reached(target).then(() => performance.now());
    await prepared.start();
    const ended = await withinTimeout(delivered, `${contender.key} round ${round}`);
    const usage = await watch.stop();
    return { key: contender.key, rate: settings.jobs / ((ended - started) / 1000), usage };
  } finally {
    await prepared.finish();
  }
}

const mib = (bytes: number): string => `${Math.round(bytes / 1_048_576)}`;
const perJobUs = (seconds: number): string => `${Math.round((seconds * 1e6) / JOBS)}`;

function roundLine(round: number, measured: Measured, load: number): string {
  const cpu = measured.usage.map((u) => `${u.label} ${perJobUs(u.cpuSeconds)}`).join(', ');
  const memory = measured.usage.map((u) => `${u.label} ${mib(u.peakBytes)}`).join(', ');
  return (
    `round ${round + 1} ${measured.key}: ${formatRate(measured.rate)}; CPU µs/job: ${cpu}; ` +
    `peak MiB: ${memory}; load ${load.toFixed(2)}`
  );
}

const NONE: GroupUsage = { label: '', cpuSeconds: Number.NaN, peakBytes: Number.NaN };

/** "median (min–max)" of a figure over the rounds. */
function spread(values: readonly number[], format: (value: number) => string): string {
  return `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

function summaryLine(key: ContenderKey, results: readonly Measured[]): string {
  const mine = results.filter((r) => r.key === key);
  const labels = mine[0]?.usage.map((u) => u.label) ?? [];
  const figures = (pick: (u: GroupUsage) => number, format: (value: number) => string): string =>
    labels
      .map((label) => {
        const values = mine.map((r) => pick(r.usage.find((u) => u.label === label) ?? NONE));
        return `${label} ${spread(values, format)}`;
      })
      .join(', ');
  const rates = spread(
    mine.map((r) => r.rate),
    formatRate,
  );
  return (
    `${key}: ${rates}; CPU µs/job: ${figures((u) => u.cpuSeconds, perJobUs)}; ` +
    `peak MiB: ${figures((u) => u.peakBytes, mib)}`
  );
}

/** CPU per job of a contender's process and its servers (the sink left out), per round. */
function cpuPerJob(results: readonly Measured[], key: ContenderKey): number[] {
  return results
    .filter((r) => r.key === key)
    .map((r) =>
      r.usage.filter((u) => u.label !== 'sink').reduce((sum, u) => sum + u.cpuSeconds, 0),
    );
}

/**
 * Ours ÷ the peer's throughput, and the peer's CPU per job ÷ ours (both > 1 when the service
 * is ahead); the CPU ratio holds better than throughput on a machine others are loading.
 */
function ratioLine(
  name: string,
  ours: ContenderKey,
  peer: ContenderKey,
  goal: number,
  results: readonly Measured[],
): string {
  const rates = (key: ContenderKey): number[] =>
    results.filter((r) => r.key === key).map((r) => r.rate);
  // With DUEL_ONLY one side may be missing: no ratio then rather than NaN.
  if (rates(ours).length === 0 || rates(peer).length === 0) return `${name}: not measured`;
  const perRound = rates(ours).map((rate, i) => rate / (rates(peer)[i] ?? Number.NaN));
  const cpu = median(cpuPerJob(results, peer)) / median(cpuPerJob(results, ours));
  return (
    `${name}: ${(median(rates(ours)) / median(rates(peer))).toFixed(2)} of the medians; per ` +
    `round ${perRound.map((r) => r.toFixed(2)).join(', ')} (goal ≥ ${goal.toFixed(1)}); by CPU ` +
    `per job (process + servers, medians): ${cpu.toFixed(2)}`
  );
}

export async function run(): Promise<void> {
  const contenders = chosenContenders();
  if (contenders.length === 0) throw new Error(`DUEL_ONLY="${ONLY}" names no contender`);
  if (contenders.some((c) => c.key === 'bullmq' || c.key === 'graphile')) ensurePeersInstalled();
  if (contenders.some((c) => c.key === 'bullmq')) await assertRedisReachable(REDIS_URL);
  console.log(
    `config: ${JOBS} jobs per contender and round, ${ROUNDS} rounds, order rotated each round; ` +
      `concurrency ${CONCURRENCY}; the service gets Alertmanager payloads of ${BATCH} alerts from ` +
      `${SENDERS} senders; sink: node:http child process; PostgreSQL ${TEST_DATABASE_URL}, ` +
      `Redis ${REDIS_URL}\n` +
      contenders.map((c) => `  ${c.key}: ${c.label}`).join('\n'),
  );
  const admin = createPgDb(TEST_DATABASE_URL, { logger: silentLogger, max: 2 });
  const sink = await startSinkServer();
  const cpuProfileDir = process.env['DUEL_CPU_PROF'];
  const settings: DuelSettings = {
    jobs: JOBS,
    batch: BATCH,
    senders: SENDERS,
    concurrency: CONCURRENCY,
    sinkUrl: sink.url,
    redisUrl: REDIS_URL,
    admin,
    cpuProfileDir,
  };
  const results: Measured[] = [];
  const loads: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
      for (const contender of order) {
        if (contender === undefined) continue;
        const measured = await measure(contender, round, settings, sink);
        const load = loadavg()[0] ?? Number.NaN;
        loads.push(load);
        results.push(measured);
        console.log(roundLine(round, measured, load));
      }
    }
  } finally {
    await sink.close();
    await admin.close();
  }
  console.log(`medians (min–max) over ${ROUNDS} rounds:`);
  for (const contender of contenders) console.log(`  ${summaryLine(contender.key, results)}`);
  console.log(ratioLine('durable ÷ graphile-worker batched', 'durable', 'graphile', 1, results));
  console.log(ratioLine('memory ÷ BullMQ', 'memory', 'bullmq', 2, results));
  console.log(
    `load average (1 min) after each measurement: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}` +
      (cpuProfileDir === undefined
        ? ''
        : `; CPU profiles of the service processes in ${cpuProfileDir}`),
  );
}
