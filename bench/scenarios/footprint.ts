/**
 * footprint: what the default start costs. `npm start` runs the bundled config (its data_dir
 * moved to a fresh temporary directory, PORT=0, no DATABASE_URL: the embedded PGlite); the
 * production start runs `node dist/main.js` (after `npm run build`) the same way. Each starts
 * once on an empty data directory (first start: initdb) and once more on the directory it
 * made. Per start: time to the "listening" line, the service's RSS then, 1 000 alerts as 10
 * Alertmanager payloads of 100 to /webhook, delivered by the bundled log target; then the
 * service process's peak RSS (VmHWM, exact) and the peak of its whole process tree (npm, the
 * initdb child, tsx's esbuild; sampled every 50 ms). Medians of BENCH_RUNS runs (default 5).
 * Goal: service peak ≤ 300 MiB.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { request } from 'undici';

import { anAlert } from '../../test/support/builders.js';
import { childrenOf, commandLineOf, memoryOf, treeOf } from '../../test/support/processes.js';
import { median, repeat } from '../support/stats.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ALERTS = 1_000;
const BATCH = 100;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const GOAL_MIB = 300;

type Command = 'npm start' | 'node dist/main.js';

interface Sample {
  startMs: number;
  rssAfterStart: number;
  servicePeak: number;
  treePeak: number;
}

/** The bundled example with only its data directory moved. */
async function bundledConfigIn(dir: string): Promise<string> {
  const bundled = readFileSync(join(ROOT, 'examples', 'alert-publisher.yaml'), 'utf8');
  const moved = bundled.replace('data_dir: ./data', `data_dir: "${join(dir, 'data')}"`);
  if (moved === bundled) throw new Error('the bundled config has no "data_dir: ./data" line');
  const file = join(dir, 'alert-publisher.yaml');
  await writeFile(file, moved);
  return file;
}

function payloads(): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < ALERTS; i += BATCH) {
    const alerts = Array.from({ length: BATCH }, (_, k) =>
      anAlert({ severity: ['critical', 'warning', 'info'][k % 3] ?? 'info', n: String(i + k) }),
    );
    bodies.push(JSON.stringify({ version: '4', status: 'firing', receiver: 'ap', alerts }));
  }
  return bodies;
}

async function post(base: string, body: string): Promise<void> {
  for (;;) {
    const response = await request(`${base}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await response.body.dump();
    if (response.statusCode === 202) return;
    if (response.statusCode !== 503) throw new Error(`/webhook answered ${response.statusCode}`);
    await sleep(50);
  }
}

async function delivered(base: string): Promise<number> {
  const response = await request(`${base}/metrics`);
  const text = await response.body.text();
  let total = 0;
  for (const match of text.matchAll(
    /^alert_publisher_jobs_finished_total\{[^}]*state="succeeded"[^}]*\} (\d+)/gm,
  ))
    total += Number(match[1]);
  return total;
}

async function once(command: Command, config: string): Promise<Sample> {
  const env = { ...process.env, ALERT_PUBLISHER_CONFIG: config, PORT: '0', DATABASE_URL: '' };
  const started = performance.now();
  const child =
    command === 'npm start'
      ? spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(process.execPath, ['dist/main.js'], {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
  const rootPid = child.pid;
  if (rootPid === undefined) throw new Error(`${command} did not start`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let treePeak = 0;
  const sampler = setInterval(() => {
    const rss = treeOf(rootPid).reduce((sum, pid) => sum + memoryOf(pid).rss, 0);
    treePeak = Math.max(treePeak, rss);
  }, 50);
  let head = '';
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (head.length > 100_000) return; // past the start: deliveries, not read
      head += chunk.toString();
      const url = /"url":"http:\/\/[^:]+:(\d+)".*alert-publisher listening/.exec(head)?.[1];
      if (url !== undefined) resolve(`http://127.0.0.1:${url}`);
    });
    void exited.then((code) => reject(new Error(`${command} exited with ${String(code)}`)));
  });
  const base = await listening;
  const startMs = performance.now() - started;
  const servicePid =
    command === 'npm start'
      ? childrenOf(rootPid).find((pid) => commandLineOf(pid).includes('src/main.ts'))
      : rootPid;
  if (servicePid === undefined) throw new Error('no service process under npm');
  const rssAfterStart = memoryOf(servicePid).rss;
  for (const body of payloads()) await post(base, body);
  while ((await delivered(base)) < ALERTS) await sleep(100);
  const servicePeak = memoryOf(servicePid).peak;
  clearInterval(sampler);
  child.kill('SIGTERM');
  const code = await exited;
  if (code !== 0) throw new Error(`${command} exited with ${String(code)} after SIGTERM`);
  return { startMs, rssAfterStart, servicePeak, treePeak };
}

const mib = (bytes: number): string => `${Math.round(bytes / 1_048_576)}`;

function report(label: string, samples: Sample[]): void {
  const col = (pick: (s: Sample) => number, format: (n: number) => string): string =>
    `${format(median(samples.map(pick)))} (${samples.map((s) => format(pick(s))).join(', ')})`;
  const seconds = (ms: number): string => (ms / 1000).toFixed(1);
  console.log(
    `${label.padEnd(30)} start s ${col((s) => s.startMs, seconds)} | RSS after start MiB ` +
      `${col((s) => s.rssAfterStart, mib)} | service peak MiB ${col((s) => s.servicePeak, mib)} ` +
      `| process tree peak MiB ${col((s) => s.treePeak, mib)}`,
  );
}

export async function run(): Promise<void> {
  console.log(
    `config: bundled example (log target, memory mode, embedded PGlite in a fresh temporary ` +
      `directory), PORT=0; ${ALERTS} alerts as ${ALERTS / BATCH} Alertmanager payloads of ` +
      `${BATCH}; ${RUNS} runs; Node.js ${process.version}; medians (then each run)`,
  );
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const results = new Map<string, Sample[]>();
  const add = (label: string, sample: Sample): void => {
    results.set(label, [...(results.get(label) ?? []), sample]);
  };
  await repeat(RUNS, async () => {
    for (const command of ['npm start', 'node dist/main.js'] as const) {
      const dir = await mkdtemp(join(tmpdir(), 'ap-footprint-'));
      try {
        const config = await bundledConfigIn(dir);
        add(`${command}, first start`, await once(command, config));
        add(`${command}, next start`, await once(command, config));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });
  for (const [label, samples] of results) report(label, samples);
  const worst = Math.max(
    ...[...results.values()].map((samples) => median(samples.map((s) => s.servicePeak))),
  );
  console.log(
    `highest median service peak: ${mib(worst)} MiB (goal ≤ ${GOAL_MIB} MiB: ${worst <= GOAL_MIB * 1_048_576 ? 'met' : 'missed'})`,
  );
}
