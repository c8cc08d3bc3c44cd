/**
 * durable-post: jobs stored in PostgreSQL (queue.mode: durable), then delivered by the product's
 * webhook publisher (POST) to a local sink in another process, by one instance and by two
 * sharing the database; and the same without delivery (every attempt succeeds at once: the
 * queue's own cost, the work job-queue benchmarks usually measure).
 * Phases measured separately: submit (admission transactions of REQUEST jobs) and deliver,
 * from the instances' start (includes a child process compiling TypeScript: ~1-4 s here) and
 * from all of them ready (jobs delivered meanwhile subtracted: the engine's own rate).
 * Commits per job from pg_stat_database; CPU per job of the instances (their own count), of
 * the PostgreSQL backends serving them (/proc, Linux) and of the sink.
 * Env: DURABLE_BENCH_JOBS (10000), DURABLE_BENCH_RUNS (5), DURABLE_BENCH_ONLY (variants whose
 * name contains it), TEST_DATABASE_URL.
 */
import type { Db } from '../../src/db/db.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { startInstance } from '../../test/engine/durable/support/instances.js';
import { submitJobs } from '../../test/engine/durable/support/submit.js';
import { migratedScratchDatabase } from '../../test/engine/durable/support/scratch-database.js';
import { databaseNameOf, postgresBackends } from '../support/postgres-processes.js';
import { oneProcess, watchProcesses } from '../support/process-usage.js';
import { startSinkServer } from '../support/sink-server.js';
import { formatRate, median, repeat } from '../support/stats.js';

const ALL_JOBS = Number(process.env['DURABLE_BENCH_JOBS'] ?? '10000');
const RUNS = Math.max(5, Number(process.env['DURABLE_BENCH_RUNS'] ?? '5'));
const ONLY = process.env['DURABLE_BENCH_ONLY'] ?? '';
const REQUEST = 100;
const BASE_ENV = {
  WORKERS: '64',
  TARGETS: '8',
  PER_TARGET: '16',
  POOL: '8',
  PUBLISHER: 'webhook',
};
const NO_DELIVERY = { NOOP: '1' };

interface Variant {
  name: string;
  instances: number;
  submitPerRequest: number;
  env: Record<string, string>;
}

const ALL_VARIANTS: Variant[] = [
  { name: '1 instance, POST', instances: 1, submitPerRequest: REQUEST, env: {} },
  { name: '2 instances, POST', instances: 2, submitPerRequest: REQUEST, env: {} },
  {
    name: '1 instance, POST, unbatched (1 job per submit, claim window = workers, 1 completion per commit)',
    instances: 1,
    submitPerRequest: 1,
    env: { COMPLETION_BATCH: '1', PREFETCH: '0' },
  },
  { name: '1 instance, no delivery', instances: 1, submitPerRequest: REQUEST, env: NO_DELIVERY },
  { name: '2 instances, no delivery', instances: 2, submitPerRequest: REQUEST, env: NO_DELIVERY },
];
const VARIANTS = ALL_VARIANTS.filter((variant) => variant.name.includes(ONLY));

async function commits(db: Db): Promise<number> {
  const result = await db.query<{ n: string }>(
    `SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()`,
  );
  return Number(result.rows[0]?.n ?? 0);
}

async function succeeded(db: Db): Promise<number> {
  const result = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM publishing_jobs WHERE state = 'succeeded'`,
  );
  return result.rows[0]?.n ?? 0;
}

/**
 * Waits for the maintained active counts (a few rows) to reach zero, polling every 20 ms:
 * counting the jobs table itself scans every row version and, polled often, costs the database
 * as much as the work being measured. Then checks once that every job did succeed.
 */
export async function waitUntilAllFinished(db: Db, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const active = await db.query<{ n: number }>(
      `SELECT coalesce(sum(active), 0)::int AS n FROM publishing_job_counts`,
    );
    if (active.rows[0]?.n === 0) break;
    if (Date.now() > deadline) throw new Error('timed out waiting for every job to finish');
    await sleep(20);
  }
  const left = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM publishing_jobs WHERE state <> 'succeeded'`,
  );
  if (left.rows[0]?.n !== 0) throw new Error(`${left.rows[0]?.n} jobs did not succeed`);
}

async function once(variant: Variant): Promise<{
  submit: number;
  deliver: number;
  engine: number;
  commitsPerJob: number;
  cpuUsPerJob: number;
  pgUsPerJob: number;
  sinkUsPerJob: number;
}> {
  const database = await migratedScratchDatabase(2);
  const db = database.db;
  const sink = await startSinkServer();
  try {
    // Unbatched, a job costs a commit of its own: fewer of them keep a run under a minute.
    const JOBS = variant.submitPerRequest === 1 ? Math.min(ALL_JOBS, 2_000) : ALL_JOBS;
    let started = performance.now();
    await submitJobs(db, JOBS, { targets: 8, perRequest: variant.submitPerRequest });
    const submit = JOBS / ((performance.now() - started) / 1000);
    const env = {
      ...BASE_ENV,
      ...variant.env,
      TEST_DATABASE_URL: database.url,
      SINK_URL: sink.url,
    };
    const commitsBefore = await commits(db);
    started = performance.now();
    const instances = await Promise.all(
      Array.from({ length: variant.instances }, (_, i) => startInstance(`bench-${i}`, env)),
    );
    const ready = performance.now();
    const doneAtReady = await succeeded(db);
    const watch = await watchProcesses([
      postgresBackends(db, databaseNameOf(database.url)),
      oneProcess('sink', sink.pid),
    ]);
    await waitUntilAllFinished(db);
    const finished = performance.now();
    const [pgUsed = 0, sinkUsed = 0] = (await watch.stop()).map((usage) => usage.cpuSeconds);
    const deliver = JOBS / ((finished - started) / 1000);
    const engine = (JOBS - doneAtReady) / ((finished - ready) / 1000);
    await Promise.all(instances.map((instance) => instance.stop()));
    const cpuUs = instances
      .map((instance) => Number(/cpu-us (\d+)/.exec(instance.output())?.[1] ?? Number.NaN))
      .reduce((sum, us) => sum + us, 0);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // pg_stat flushes about every second
    const commitsPerJob = ((await commits(db)) - commitsBefore) / JOBS;
    const perJob = (seconds: number): number => (seconds * 1e6) / (JOBS - doneAtReady);
    return {
      submit,
      deliver,
      engine,
      commitsPerJob,
      cpuUsPerJob: cpuUs / (JOBS - doneAtReady),
      pgUsPerJob: perJob(pgUsed),
      sinkUsPerJob: perJob(sinkUsed),
    };
  } finally {
    await sink.close();
    await database.drop();
  }
}

export async function run(): Promise<void> {
  console.log(
    `config: ${ALL_JOBS} jobs (unbatched: at most 2000) over 8 webhook targets (distinct fingerprints), ${RUNS} runs per variant, ` +
      `workers 64/instance, per_target_concurrency 16, prefetch 1×workers, completion batch ≤500, ` +
      `submit requests of ${REQUEST} jobs, sink answers 200 at once (separate process), PostgreSQL 15 on 127.0.0.1`,
  );
  if (VARIANTS.length === 0) throw new Error(`no variant name contains "${ONLY}"`);
  const medians = new Map<string, number>();
  for (const variant of VARIANTS) {
    const results = await repeat(RUNS, () => once(variant));
    const engine = median(results.map((r) => r.engine));
    medians.set(variant.name, engine);
    console.log(
      `${variant.name}: submit ${formatRate(median(results.map((r) => r.submit)))} jobs, ` +
        `deliver ${formatRate(median(results.map((r) => r.deliver)))} jobs from start, ` +
        `${formatRate(engine)} jobs from ready, ` +
        `${median(results.map((r) => r.commitsPerJob)).toFixed(3)} commits/job while delivering, ` +
        `CPU µs/job: instances ${median(results.map((r) => r.cpuUsPerJob)).toFixed(0)}, ` +
        `PostgreSQL ${median(results.map((r) => r.pgUsPerJob)).toFixed(0)}, ` +
        `sink ${median(results.map((r) => r.sinkUsPerJob)).toFixed(0)}`,
    );
  }
  const rate = (name: string): number => medians.get(name) ?? Number.NaN;
  const ratio = (a: string, b: string): string => (rate(a) / rate(b)).toFixed(2);
  console.log(
    `ratios (from ready): 2 instances / 1 (POST) ${ratio('2 instances, POST', '1 instance, POST')}; ` +
      `batched / unbatched ${ratio('1 instance, POST', VARIANTS.find((v) => v.name.includes('unbatched'))?.name ?? '')}; ` +
      `no delivery / POST ${ratio('1 instance, no delivery', '1 instance, POST')}`,
  );
}
